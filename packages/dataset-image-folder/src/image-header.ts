/**
 * What an image file's first bytes (and, for PNG, its last 12) say: format, declared size, and whether the structure
 * up to the pixel data is whole. Used by the set-up scan of every image file and by the decoders before they decode,
 * so that a file that is no image, declares more pixels than allowed, or is cut short is refused by name before
 * any run directory exists, instead of failing an epoch.
 */
import { crc32 } from 'node:zlib';
import { notAnImage, sniffFormat, tooManyPixels, type ImageFormat } from '../worker/image-format.mjs';

// Shared with the decode worker, hence in worker/ (see worker/image-format.mjs).
export { PNG_SIGNATURE, sniffFormat, describeStart, notAnImage, tooManyPixels, type ImageFormat } from '../worker/image-format.mjs';

export interface ImageHeader {
  readonly format: ImageFormat;
  readonly width: number;
  readonly height: number;
  /** An interlaced PNG: its image data must be inflated to bound them (pngjs does not). */
  readonly interlaced?: boolean;
}

/**
 * Bytes [offset, offset + length) of the file, or undefined when that range has not been loaded (the caller then
 * loads it and asks again). Ranges are only asked for inside the file.
 */
export type ByteRange = (offset: number, length: number) => Uint8Array | undefined;

/**
 * The header (null for a JPEG whose segments the scan could not follow to its frame header, which jpeg-js's own
 * recovery may still decode), a reason the file is unusable (a message without the path), or an offset whose bytes
 * are needed.
 */
export type Inspection = { readonly header: ImageHeader | null } | { readonly problem: string } | { readonly need: number };

/** A PNG ends with an empty IEND chunk: length 0, type "IEND", its CRC. pngjs refuses bytes after it. */
const PNG_IEND: readonly number[] = [0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];
/** Signature, then the IHDR chunk: length, type, 13 data bytes, CRC. */
const PNG_HEADER_BYTES = 8 + 8 + 13 + 4;

const u16 = (b: Uint8Array, i: number) => (b[i]! << 8) | b[i + 1]!;
const u32 = (b: Uint8Array, i: number) => (b[i]! * 2 ** 24 + (b[i + 1]! << 16) + (b[i + 2]! << 8) + b[i + 3]!) >>> 0;

/** Bit depths each PNG colour type allows. */
const PNG_DEPTHS: Readonly<Record<number, readonly number[]>> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

function inspectPng(at: ByteRange, size: number): Inspection {
  if (size < PNG_HEADER_BYTES + PNG_IEND.length) {
    return {
      problem: `truncated PNG: ${size} bytes, shorter than a signature, header chunk and end chunk (${PNG_HEADER_BYTES + PNG_IEND.length} bytes): expected a complete PNG file`,
    };
  }
  const head = at(0, PNG_HEADER_BYTES);
  if (!head) return { need: 0 };
  if (u32(head, 8) !== 13 || Buffer.from(head.subarray(12, 16)).toString('latin1') !== 'IHDR') {
    return { problem: 'corrupt PNG: bytes 8..15 are not the 13-byte IHDR chunk header: expected the IHDR chunk right after the signature' };
  }
  if (crc32(head.subarray(12, 29)) !== u32(head, 29)) {
    return { problem: 'corrupt PNG: the IHDR chunk fails its CRC (byte offset 29): expected an intact header chunk' };
  }
  const width = u32(head, 16);
  const height = u32(head, 20);
  const [depth, colour, compression, filter, interlace] = head.subarray(24, 29);
  if (width === 0 || height === 0 || width > 2 ** 31 - 1 || height > 2 ** 31 - 1) {
    return { problem: `corrupt PNG: IHDR declares ${width}×${height} pixels: expected each side in 1..2147483647` };
  }
  if (!PNG_DEPTHS[colour!]?.includes(depth!) || compression !== 0 || filter !== 0 || interlace! > 1) {
    return {
      problem:
        `corrupt PNG: IHDR declares bit depth ${depth}, colour type ${colour}, compression ${compression}, filter ${filter}, interlace ${interlace}: ` +
        'expected a combination the PNG specification allows',
    };
  }
  const tail = at(size - PNG_IEND.length, PNG_IEND.length);
  if (!tail) return { need: size - PNG_IEND.length };
  if (!PNG_IEND.every((b, i) => tail[i] === b)) {
    return {
      problem: `truncated PNG: the file (${size} bytes) does not end with the IEND chunk: expected a complete PNG file (cut short, or bytes after its end)`,
    };
  }
  return { header: { format: 'png', width, height, ...(interlace === 1 ? { interlaced: true } : {}) } };
}

/** Start-of-frame markers (C0..CF but DHT C4, JPG C8, DAC CC) and the ones jpeg-js decodes. */
const isSof = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
const DECODABLE_SOF: Readonly<Record<number, string>> = { 0xc0: 'baseline', 0xc1: 'extended sequential', 0xc2: 'progressive' };

const MAX_SEGMENTS = 10_000;

function inspectJpeg(at: ByteRange, size: number): Inspection {
  let frame: ImageHeader | undefined;
  // Walks the marker segments from the start-of-image marker to the first start-of-scan: each iteration advances at
  // least two bytes, so the walk ends within the file.
  let pos = 2;
  let previous: { readonly at: number; readonly marker: number; readonly length: number } | undefined;
  for (let segments = 0; ; segments++) {
    // Real headers have tens of segments; the cap keeps a crafted file of millions of empty ones from stalling the scan.
    if (segments > MAX_SEGMENTS) {
      return {
        problem: `corrupt JPEG: more than ${MAX_SEGMENTS} header segments before byte offset ${pos}: expected a JPEG header of ordinary size`,
      };
    }
    if (pos + 4 > size) {
      const where =
        previous && pos > size
          ? `its segment ff ${previous.marker.toString(16)} at byte offset ${previous.at} (${previous.length + 2} bytes) runs past the end`
          : `it ends at byte offset ${pos}, inside its header segments`;
      return { problem: `truncated JPEG: the file has ${size} bytes and ${where}: expected a complete JPEG file` };
    }
    const seg = at(pos, 4);
    if (!seg) return { need: pos };
    // Not a marker where one belongs: some phones write such files and jpeg-js recovers from a few of them, so the
    // decoder decides (with the frame size checked if it was seen).
    if (seg[0] !== 0xff) return { header: frame ?? null };
    const marker = seg[1]!;
    // Fill bytes before a marker, and markers without a length.
    if (marker === 0xff) {
      pos += 1;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xd8) {
      return {
        problem: `corrupt JPEG: marker ff ${marker.toString(16)} at byte offset ${pos} before any image data: expected a frame header and a scan`,
      };
    }
    const length = u16(seg, 2);
    if (length < 2)
      return {
        problem: `corrupt JPEG: segment ff ${marker.toString(16)} at byte offset ${pos} declares length ${length}: expected at least 2`,
      };
    if (isSof(marker)) {
      if (pos + 10 > size)
        return {
          problem: `truncated JPEG: the file (${size} bytes) ends inside the frame header at byte offset ${pos}: expected a complete JPEG file`,
        };
      const sof = at(pos, 10);
      if (!sof) return { need: pos };
      const kind = DECODABLE_SOF[marker];
      if (!kind) {
        return {
          problem:
            `a JPEG coded with start-of-frame marker ff ${marker.toString(16)} (lossless, hierarchical or arithmetic coding), at byte offset ${pos}: ` +
            'expected a baseline, extended or progressive Huffman-coded JPEG, which the decoder reads',
        };
      }
      const height = u16(sof, 5);
      const width = u16(sof, 7);
      if (width === 0 || height === 0) {
        return {
          problem: `corrupt JPEG: the frame header at byte offset ${pos} declares ${width}×${height} pixels: expected both sides at least 1`,
        };
      }
      frame ??= { format: 'jpeg', width, height };
    }
    if (marker === 0xda) {
      if (!frame)
        return {
          problem: `corrupt JPEG: a scan starts at byte offset ${pos} before any frame header: expected a start-of-frame segment first`,
        };
      if (pos + 2 + length >= size) {
        return {
          problem: `truncated JPEG: the file (${size} bytes) ends at the start of its image data (byte offset ${pos}): expected a complete JPEG file`,
        };
      }
      return { header: frame };
    }
    previous = { at: pos, marker, length };
    pos += 2 + length;
  }
}

/**
 * Inspects a file of `size` bytes through `at`: the signature, the declared size against `maxMegapixels`, and the
 * structure a header scan can check (PNG: the IHDR chunk and its CRC, the IEND chunk at the very end; JPEG: the
 * marker segments up to the first scan, and a frame type jpeg-js decodes). A JPEG cut inside its image data is found
 * only when decoded: the scan never reads the image data, and bytes after a JPEG's end (a phone's motion-photo video)
 * are legitimate, so the end of the file proves nothing.
 */
export function inspectImage(at: ByteRange, size: number, maxMegapixels: number): Inspection {
  if (size === 0) return { problem: 'empty file (0 bytes): expected a JPEG or PNG image' };
  const start = at(0, Math.min(size, 8));
  if (!start) return { need: 0 };
  const format = sniffFormat(start);
  if (!format) return { problem: notAnImage(start) };
  const found = format === 'png' ? inspectPng(at, size) : inspectJpeg(at, size);
  if ('header' in found && found.header && found.header.width * found.header.height > maxMegapixels * 1e6) {
    return { problem: tooManyPixels(format, found.header.width, found.header.height, maxMegapixels) };
  }
  return found;
}

/** `inspectImage` on bytes held in memory. */
export function inspectImageBytes(
  bytes: Uint8Array,
  maxMegapixels: number,
): { readonly header: ImageHeader | null } | { readonly problem: string } {
  const found = inspectImage((offset, length) => bytes.subarray(offset, offset + length), bytes.length, maxMegapixels);
  if ('need' in found) throw new Error(`inspectImageBytes: byte ${found.need} of ${bytes.length} was asked for outside the buffer`);
  return found;
}
