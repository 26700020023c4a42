import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import { CIFAR_FORMATS, type CifarVariant } from '../src/cifar.format.js';

export function tempDir(prefix = 'kd-cifar-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * One record in the official layout, written independently of the package's encoder: label byte(s), then the R,
 * G and B planes. Pixel p (= row·32 + col) of image `i`: R = (p + i) % 256, G = (3p) % 256, B = 255 − (p % 256),
 * plus 24c (clamped) for a CIFAR-10 image of class c so the classes are learnable.
 */
export function record(variant: CifarVariant, i: number, labels: readonly number[]): Uint8Array {
  const f = CIFAR_FORMATS[variant];
  const out = new Uint8Array(f.recordBytes);
  labels.forEach((l, k) => (out[k] = l));
  const cls = labels[labels.length - 1]!;
  for (let p = 0; p < 1024; p++) {
    out[f.labelBytes + p] = Math.min(255, ((p + i) % 256) + (variant === 'cifar10' ? 24 * cls : 0));
    out[f.labelBytes + 1024 + p] = (3 * p) % 256;
    out[f.labelBytes + 2048 + p] = 255 - (p % 256);
  }
  return out;
}

/** CIFAR-10 label of record i; CIFAR-100 (coarse, fine) of record i. */
export const labelsOf = (variant: CifarVariant, i: number): number[] => (variant === 'cifar10' ? [i % 10] : [i % 20, (i * 7) % 100]);

export function batchFile(variant: CifarVariant, count: number, offset = 0): Uint8Array {
  const f = CIFAR_FORMATS[variant];
  const out = new Uint8Array(count * f.recordBytes);
  for (let i = 0; i < count; i++) out.set(record(variant, offset + i, labelsOf(variant, offset + i)), i * f.recordBytes);
  return out;
}

export const CIFAR10_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/** The files of a small data set: `perTrainFile` records per training batch file, `testCount` test records. */
export function cifarFiles(variant: CifarVariant, perTrainFile: number, testCount: number): Map<string, Uint8Array> {
  const f = CIFAR_FORMATS[variant];
  const files = new Map<string, Uint8Array>();
  f.trainFiles.forEach((name, k) => files.set(name, batchFile(variant, perTrainFile, k * perTrainFile)));
  files.set(f.testFiles[0]!, batchFile(variant, testCount, 1000));
  if (variant === 'cifar10') files.set(f.namesFile, Buffer.from(`${CIFAR10_NAMES.join('\n')}\n\n`));
  else {
    files.set(f.namesFile, Buffer.from(Array.from({ length: 100 }, (_, c) => `fine_${c}`).join('\n') + '\n'));
    files.set(f.coarseNamesFile!, Buffer.from(Array.from({ length: 20 }, (_, c) => `coarse_${c}`).join('\n') + '\n'));
  }
  return files;
}

export function writeFiles(dir: string, files: Map<string, Uint8Array>): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of files) writeFileSync(join(dir, name), bytes);
  return dir;
}

/** A .tar.gz holding `folder/<name>` for each file, like the official archives. */
export async function tarGz(folder: string, files: Map<string, Uint8Array>): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  pack.entry({ name: `${folder}/`, type: 'directory' });
  for (const [name, bytes] of files) pack.entry({ name: `${folder}/${name}` }, Buffer.from(bytes));
  pack.finalize();
  await collected;
  return gzipSync(Buffer.concat(chunks));
}
