import { KdInputError } from '@kd/core';
import { readFile } from 'node:fs/promises';
import { decodeImage, type DecodeLimits, type RgbImage } from './decode-image.js';

/** Reads and decodes one image file. */
export interface ImageReader {
  read(path: string): Promise<RgbImage>;
  close(): Promise<void>;
}

export function readError(path: string, e: unknown): KdInputError {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'the file disappeared after the folder was scanned' : (e as Error).message;
  return new KdInputError(`${path}: cannot read image file (${why}): expected a readable JPEG or PNG file`);
}

/** Reads asynchronously (libuv's thread pool) and decodes on the calling thread. */
export class MainThreadReader implements ImageReader {
  constructor(private readonly limits: DecodeLimits) {}

  async read(path: string): Promise<RgbImage> {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (e) {
      throw readError(path, e);
    }
    return decodeImage(bytes, path, this.limits);
  }

  async close(): Promise<void> {}
}
