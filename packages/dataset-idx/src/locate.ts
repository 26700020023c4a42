import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KdInputError } from '@kd/core';

/** Where Debian's package dataset-fashion-mnist installs the full set. */
export const SYSTEM_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Environment variable replacing `SYSTEM_FASHION_MNIST_DIR` (another distribution's path; tests of a machine without it). */
export const SYSTEM_FASHION_MNIST_DIR_ENV = 'KD_SYSTEM_FASHION_MNIST_DIR';

/**
 * The directory `source: "system"` (and `"auto"`) looks in: `override` when given, else
 * `$KD_SYSTEM_FASHION_MNIST_DIR` when set and not empty, else Debian's `/usr/share/datasets/fashion-mnist`.
 */
export function systemFashionMnistDir(override?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (override !== undefined) return override;
  const fromEnv = env[SYSTEM_FASHION_MNIST_DIR_ENV];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : SYSTEM_FASHION_MNIST_DIR;
}

/** The official file names (without `.gz`), per split. */
export const IDX_FILE_NAMES = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
} as const;

/**
 * The Fashion-MNIST subset shipped in this package's `data/` folder. Resolved from this module's URL:
 * `src/` (tests, source runs) and `dist/` (the built package) both sit next to `data/`.
 */
export function bundledFashionMnistDir(): string {
  return fileURLToPath(new URL('../data/fashion-mnist', import.meta.url));
}

export interface IdxFiles {
  readonly dir: string;
  readonly trainImages: string;
  readonly trainLabels: string;
  readonly testImages: string;
  readonly testLabels: string;
}

/** The file for an official name in `dir`: `<name>.gz` when present, else `<name>`, else undefined. */
function find(dir: string, name: string): string | undefined {
  for (const candidate of [`${name}.gz`, name]) {
    const file = join(dir, candidate);
    if (existsSync(file)) return file;
  }
  return undefined;
}

/** The four files of a directory, or undefined when any is missing. */
export function findIdxFiles(dir: string): IdxFiles | undefined {
  const trainImages = find(dir, IDX_FILE_NAMES.train.images);
  const trainLabels = find(dir, IDX_FILE_NAMES.train.labels);
  const testImages = find(dir, IDX_FILE_NAMES.test.images);
  const testLabels = find(dir, IDX_FILE_NAMES.test.labels);
  if (!trainImages || !trainLabels || !testImages || !testLabels) return undefined;
  return { dir, trainImages, trainLabels, testImages, testLabels };
}

/** Like `findIdxFiles`, but a missing file is a `KdInputError` naming what was looked for. */
export function requireIdxFiles(dir: string, what: string): IdxFiles {
  if (!existsSync(dir)) throw new KdInputError(`${what}: directory ${dir} not found`);
  const names = [IDX_FILE_NAMES.train.images, IDX_FILE_NAMES.train.labels, IDX_FILE_NAMES.test.images, IDX_FILE_NAMES.test.labels];
  const missing = names.filter((n) => !find(dir, n)).map((n) => `${n}[.gz]`);
  if (missing.length) throw new KdInputError(`${what}: ${dir} lacks ${missing.join(', ')}`);
  return findIdxFiles(dir)!;
}
