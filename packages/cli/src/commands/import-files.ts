import { existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { KdInputError, Rng } from '@kd/core';
import { nodeImporter } from '@kd/core/host';
import type { CliOptions } from '../runtime.js';
import type { Parity } from './parity-reference.js';

/** Nothing of the user's is replaced: the teacher directory must be new or empty. */
export function checkOutDir(outDir: string): void {
  if (existsSync(outDir) && (!statSync(outDir).isDirectory() || readdirSync(outDir).length > 0))
    throw new KdInputError(`${outDir}: exists and is not an empty directory; choose a new directory for the imported teacher`);
}

/**
 * Runs `write` on a fresh temporary sibling of `outDir` and renames it into place only when everything succeeded, so
 * a failed import leaves no partial teacher behind (and no parent directories it created).
 */
export async function writeAtomically<T>(outDir: string, write: (dir: string) => T | Promise<T>): Promise<T> {
  let created: string | undefined;
  for (let d = dirname(outDir); !existsSync(d); d = dirname(d)) created = d;
  const tmp = join(dirname(outDir), `.${basename(outDir)}.kd-import-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    mkdirSync(tmp, { recursive: true });
    const result = await write(tmp);
    // checkOutDir allowed an empty directory here; rename cannot replace it.
    if (existsSync(outDir)) rmdirSync(outDir);
    renameSync(tmp, outDir);
    return result;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (created) rmSync(created, { recursive: true, force: true });
    throw e;
  }
}

/** Images for a parity check when the user gave no reference: standard normal, from a fixed seed (NHWC). */
export function randomImages(inputShape: readonly [number, number, number], count = 8): tf.Tensor4D {
  const rng = new Rng(19);
  const values = new Float32Array(count * inputShape[0] * inputShape[1] * inputShape[2]);
  for (let i = 0; i < values.length; i++) values[i] = rng.normal();
  return tf.tensor4d(values, [count, ...inputShape]);
}

/** Imports an optional plugin package's module (its helpers, beyond the plugin object) the way the runtime would. */
export async function importPackage<T>(specifier: string, root: string, options: CliOptions, command: string): Promise<T> {
  try {
    return (await (options.importer ?? nodeImporter)(specifier, root)) as T;
  } catch (e) {
    throw new KdInputError(
      `${command}: needs ${specifier}, which could not be loaded (${(e as Error).message}); install it with npm install ${specifier}`,
    );
  }
}

export const parityLine = (what: string, p: Parity): string =>
  `${what} on ${p.samples} inputs: max abs error ${p.maxAbsError.toExponential(2)}, max rel error ${p.maxRelError.toExponential(2)}, top-1 agreement ${(p.top1Agreement * 100).toFixed(2)}%\n`;
