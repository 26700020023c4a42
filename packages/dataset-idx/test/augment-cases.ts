import { createHash } from 'node:crypto';
import { Rng, type DatasetSplit } from '@kd/core';

/**
 * The `augment` settings and seeds whose training batches the committed fixture pins (bundled Fashion-MNIST, first
 * `trainLimit` images): flip and crop together, each alone, with and without normalisation.
 */
export const AUGMENT_CASES = [
  { augment: { flip: true, pad: 4 }, normalize: true },
  { augment: { flip: true, pad: 0 }, normalize: true },
  { augment: { flip: false, pad: 2 }, normalize: false },
  { augment: { flip: true, pad: 3 }, normalize: false },
] as const;
export const AUGMENT_SEEDS = [3, 11] as const;
export const AUGMENT_TRAIN_LIMIT = 48;
export const AUGMENT_BATCH_SIZE = 16;

export interface AugmentedBatches {
  /** sha256 (hex, first 16 digits) of each batch's float32 x bytes, in order. */
  readonly xSha256: readonly string[];
  /** Each batch's sample positions (Batch.index). */
  readonly index: readonly (readonly number[])[];
  /** The middle row of the first batch's first image, as numbers. */
  readonly middleRow: readonly number[];
}

/** One epoch of the split drawn from `Rng.derive(seed, 'data', 0, 0)`, as the trainer draws it. */
export async function augmentedBatches(split: DatasetSplit, seed: number, rows: number, cols: number): Promise<AugmentedBatches> {
  const xSha256: string[] = [];
  const index: number[][] = [];
  let middleRow: number[] = [];
  for await (const b of split.batches({ batchSize: AUGMENT_BATCH_SIZE, rng: Rng.derive(seed, 'data', 0, 0) })) {
    const x = b.x.dataSync() as Float32Array;
    xSha256.push(
      createHash('sha256')
        .update(new Uint8Array(x.buffer, x.byteOffset, x.byteLength))
        .digest('hex')
        .slice(0, 16),
    );
    index.push(Array.from(b.index ?? []));
    if (middleRow.length === 0) middleRow = Array.from(x.subarray((rows >> 1) * cols, ((rows >> 1) + 1) * cols));
    b.x.dispose();
    b.y.dispose();
  }
  return { xSha256, index, middleRow };
}
