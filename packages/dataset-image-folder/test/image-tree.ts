import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

export type ImageKind = 'png' | 'png-rgba' | 'png-gray' | 'jpeg';

/** A known RGB pattern, HWC bytes, different for each seed. */
export function pattern(seed: number, height: number, width: number): Uint8Array {
  const out = new Uint8Array(height * width * 3);
  for (let r = 0; r < height; r++)
    for (let c = 0; c < width; c++) for (let k = 0; k < 3; k++) out[(r * width + c) * 3 + k] = (seed * 37 + r * 11 + c * 5 + k * 80) % 256;
  return out;
}

/** A smooth gradient, which JPEG keeps within a few levels. */
export function smoothPattern(seed: number, height: number, width: number): Uint8Array {
  const out = new Uint8Array(height * width * 3);
  for (let r = 0; r < height; r++)
    for (let c = 0; c < width; c++)
      for (let k = 0; k < 3; k++) out[(r * width + c) * 3 + k] = Math.round(40 + ((seed * 13 + k * 30 + r * 2 + c * 3) % 170));
  return out;
}

/** What the decoder must return for an image written by `encodeImage` from `rgb` (greyscale keeps the red channel). */
export function expectedRgb(kind: ImageKind, rgb: Uint8Array): Uint8Array {
  if (kind !== 'png-gray') return rgb;
  const out = new Uint8Array(rgb.length);
  for (let i = 0; i < rgb.length; i += 3) out[i] = out[i + 1] = out[i + 2] = rgb[i]!;
  return out;
}

export function encodeImage(kind: ImageKind, rgb: Uint8Array, height: number, width: number): Buffer {
  const n = height * width;
  if (kind === 'jpeg') {
    const rgba = Buffer.alloc(n * 4);
    for (let i = 0; i < n; i++) {
      rgba.set(rgb.subarray(i * 3, i * 3 + 3), i * 4);
      rgba[i * 4 + 3] = 255;
    }
    return jpeg.encode({ data: rgba, width, height }, 95).data;
  }
  const png = new PNG({ width, height });
  if (kind === 'png-gray') {
    const gray = Buffer.alloc(n);
    for (let i = 0; i < n; i++) gray[i] = rgb[i * 3]!;
    png.data = gray;
    return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false });
  }
  if (kind === 'png-rgba') {
    const rgba = Buffer.alloc(n * 4);
    // Varying alpha, which the decoder must ignore (no compositing).
    for (let i = 0; i < n; i++) {
      rgba.set(rgb.subarray(i * 3, i * 3 + 3), i * 4);
      rgba[i * 4 + 3] = (i * 29) % 256;
    }
    png.data = rgba;
    return PNG.sync.write(png, { colorType: 6, inputColorType: 6 });
  }
  png.data = Buffer.from(rgb);
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false });
}

const created: string[] = [];

/** A fresh directory under the system temp dir, removed by `removeTempDirs`. */
export function tempDir(prefix = 'kd-image-folder-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const d of created.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function writeFile(path: string, data: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
}

export interface TreeImage {
  readonly file: string;
  readonly label: number;
  readonly rgb: Uint8Array;
}

/**
 * root/<split>/<class>/<class>_<i>.png with `perClass[c]` lossless 8×8 PNGs of distinct patterns (seed = a running
 * count), so every decoded pixel is known exactly.
 */
export function writePngTree(
  root: string,
  split: string,
  classNames: readonly string[],
  perClass: readonly number[],
  size = 8,
  seedBase = 0,
): TreeImage[] {
  const images: TreeImage[] = [];
  let seed = seedBase;
  classNames.forEach((name, label) => {
    for (let i = 0; i < perClass[label]!; i++) {
      const rgb = pattern(seed++, size, size);
      const file = join(root, split, name, `${name}_${String(i).padStart(3, '0')}.png`);
      writeFile(file, encodeImage('png', rgb, size, size));
      images.push({ file, label, rgb });
    }
  });
  return images;
}
