import { KdInputError } from '@kd/core';
import type { ByteImages } from '@kd/transforms';
import { CIFAR_FORMATS, CIFAR_PIXELS, CIFAR_SIDE, type CifarFormat } from './cifar.format.js';

export type CifarLabelKind = 'fine' | 'coarse';

/** Records of one or more batch files, as HWC bytes. */
export interface CifarImages extends ByteImages {
  readonly count: number;
  readonly labels: Uint8Array;
}

/**
 * Parses one binary batch file: records of label byte(s) then 3072 pixel bytes (R plane, G plane, B plane, each
 * 32×32 row-major), converted to HWC. CIFAR-100 records hold the coarse label, then the fine one.
 */
export function parseCifarBatch(buffer: Uint8Array, file: string, format: CifarFormat, labels: CifarLabelKind = 'fine'): CifarImages {
  const record = format.recordBytes;
  if (buffer.length === 0) throw new KdInputError(`${file}: empty file, expected ${format.variant} records of ${record} bytes`);
  if (buffer.length % record !== 0) {
    const count = Math.floor(buffer.length / record);
    const other = format.variant === 'cifar10' ? CIFAR_FORMATS.cifar100 : CIFAR_FORMATS.cifar10;
    const hint =
      buffer.length % other.recordBytes === 0
        ? ` (its size fits ${other.variant} records of ${other.recordBytes} bytes: wrong "variant"?)`
        : '';
    throw new KdInputError(
      `${file}: ${buffer.length} bytes is not a whole number of ${format.variant} records of ${record} bytes ` +
        `(${format.labelBytes} label byte${format.labelBytes > 1 ? 's' : ''} + ${CIFAR_PIXELS} pixels): record ${count} at byte offset ${count * record} ` +
        `is truncated to ${buffer.length - count * record} bytes${hint}`,
    );
  }
  const count = buffer.length / record;
  const plane = CIFAR_SIDE * CIFAR_SIDE;
  const pixels = new Uint8Array(count * CIFAR_PIXELS);
  const out = new Uint8Array(count);
  const labelOffset = format.labelBytes === 2 && labels === 'fine' ? 1 : 0;
  const numClasses = labels === 'coarse' ? format.numCoarseClasses! : format.numClasses;
  for (let i = 0; i < count; i++) {
    const base = i * record;
    const label = buffer[base + labelOffset]!;
    if (label >= numClasses) {
      const which = format.labelBytes === 2 ? `${labels} label` : 'label';
      throw new KdInputError(
        `${file}: record ${i} (byte offset ${base + labelOffset}) has ${which} ${label}, expected 0..${numClasses - 1} for ${format.variant}`,
      );
    }
    if (format.labelBytes === 2) {
      // Check the other label too: a file of the wrong variant shows up here.
      const otherOffset = 1 - labelOffset;
      const otherMax = labelOffset === 1 ? format.numCoarseClasses! : format.numClasses;
      const other = buffer[base + otherOffset]!;
      if (other >= otherMax) {
        throw new KdInputError(
          `${file}: record ${i} (byte offset ${base + otherOffset}) has ${labelOffset === 1 ? 'coarse' : 'fine'} label ${other}, expected 0..${otherMax - 1}`,
        );
      }
    }
    out[i] = label;
    const src = base + format.labelBytes;
    const dst = i * CIFAR_PIXELS;
    for (let p = 0; p < plane; p++) {
      pixels[dst + 3 * p] = buffer[src + p]!;
      pixels[dst + 3 * p + 1] = buffer[src + plane + p]!;
      pixels[dst + 3 * p + 2] = buffer[src + 2 * plane + p]!;
    }
  }
  return { count, height: CIFAR_SIDE, width: CIFAR_SIDE, channels: 3, pixels, labels: out };
}

/** Concatenates parsed batches (data_batch_1..5 → one train set). */
export function concatCifar(parts: readonly CifarImages[]): CifarImages {
  if (parts.length === 1) return parts[0]!;
  const count = parts.reduce((n, p) => n + p.count, 0);
  const pixels = new Uint8Array(count * CIFAR_PIXELS);
  const labels = new Uint8Array(count);
  let at = 0;
  for (const p of parts) {
    pixels.set(p.pixels, at * CIFAR_PIXELS);
    labels.set(p.labels, at);
    at += p.count;
  }
  return { count, height: CIFAR_SIDE, width: CIFAR_SIDE, channels: 3, pixels, labels };
}

/** Class names, one a line (blank lines ignored), checked against the number of classes. */
export function parseLabelNames(text: string, file: string, expected: number): string[] {
  const names = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  if (names.length !== expected) throw new KdInputError(`${file}: ${names.length} class names, expected ${expected} (one a line)`);
  return names;
}

/** Encodes HWC images and labels as a binary batch (for tests and tools): the inverse of `parseCifarBatch`. */
export function encodeCifarBatch(format: CifarFormat, pixelsHwc: Uint8Array, labels: readonly (readonly number[])[]): Uint8Array {
  const plane = CIFAR_SIDE * CIFAR_SIDE;
  const out = new Uint8Array(labels.length * format.recordBytes);
  labels.forEach((ls, i) => {
    const base = i * format.recordBytes;
    ls.forEach((l, k) => (out[base + k] = l));
    for (let p = 0; p < plane; p++)
      for (let c = 0; c < 3; c++) out[base + format.labelBytes + c * plane + p] = pixelsHwc[i * CIFAR_PIXELS + 3 * p + c]!;
  });
  return out;
}
