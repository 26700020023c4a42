import { crc32, deflateSync } from 'node:zlib';
import { encodeImage, smoothPattern } from './image-tree.js';

/** One PNG chunk: length, type, data, CRC of type and data. */
export function pngChunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

export interface PngHeader {
  readonly width: number;
  readonly height: number;
  readonly depth?: number;
  readonly colour?: number;
  readonly interlace?: number;
}

/** A PNG with this IHDR, one IDAT chunk holding `idat` (zlib data) and IEND: chunk structure and CRCs intact. */
export function pngWith(header: PngHeader, idat: Uint8Array): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(header.width, 0);
  ihdr.writeUInt32BE(header.height, 4);
  ihdr[8] = header.depth ?? 8;
  ihdr[9] = header.colour ?? 2;
  ihdr[12] = header.interlace ?? 0;
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, pngChunk('IHDR', ihdr), pngChunk('IDAT', idat), pngChunk('IEND', new Uint8Array(0))]);
}

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
