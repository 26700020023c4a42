import { deflateSync } from 'node:zlib';
import { pngWith } from '@kd/testing';
import { encodeImage, smoothPattern } from './image-tree.js';

export { pngChunk, pngWith, type PngHeader } from '@kd/testing';

/**
 * A 1 MB-ish PNG declaring `width`×`height` RGB pixels whose image data are a few rows: every header a scan reads is
 * valid; decoding would allocate for the declared size.
 */
export function pngDeclaring(width: number, height: number): Buffer {
  return pngWith({ width, height }, deflateSync(Buffer.alloc(4 * (1 + 3 * width))));
}

/** An interlaced 64×64 PNG whose image data inflate to `bytes` zeros: far more than its 12,500 bytes of pixels. */
export function interlacedPngBomb(bytes: number): Buffer {
  return pngWith({ width: 64, height: 64, interlace: 1 }, deflateSync(Buffer.alloc(bytes), { level: 9 }));
}

/** A valid small JPEG whose frame header is rewritten to declare `width`×`height`. */
export function jpegDeclaring(width: number, height: number): Buffer {
  const jpg = Buffer.from(encodeImage('jpeg', smoothPattern(3, 16, 16), 16, 16));
  for (let pos = 2; pos + 9 < jpg.length;) {
    const marker = jpg[pos + 1]!;
    if (marker === 0xc0) {
      jpg.writeUInt16BE(height, pos + 5);
      jpg.writeUInt16BE(width, pos + 7);
      return jpg;
    }
    pos += 2 + jpg.readUInt16BE(pos + 2);
  }
  throw new Error('jpegDeclaring: no baseline frame header in the encoded JPEG');
}

/** A valid small JPEG with its start-of-frame marker changed to `marker` (e.g. 0xc3, lossless). */
export function jpegWithFrameMarker(marker: number): Buffer {
  const jpg = Buffer.from(encodeImage('jpeg', smoothPattern(3, 16, 16), 16, 16));
  for (let pos = 2; pos + 9 < jpg.length;) {
    if (jpg[pos + 1] === 0xc0) {
      jpg[pos + 1] = marker;
      return jpg;
    }
    pos += 2 + jpg.readUInt16BE(pos + 2);
  }
  throw new Error('jpegWithFrameMarker: no baseline frame header in the encoded JPEG');
}
