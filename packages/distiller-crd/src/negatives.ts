import { Rng } from '@kd/core';

/**
 * The rows each sample is scored against, row by row: its own index (the positive), then `negatives` indices drawn
 * uniformly with replacement from [0, trainSize) — ContrastMemory's own sampler (an alias table over uniform weights).
 * The stream is derived from (seed, stage, epoch, step) alone, so a run resumed at any step draws what the
 * uninterrupted run drew there.
 */
export function contrastIndices(
  seed: number,
  at: { readonly stage: string; readonly epoch: number; readonly step: number },
  index: Int32Array,
  negatives: number,
  trainSize: number,
): Int32Array {
  const rng = Rng.derive(seed, 'crd-negatives', at.stage, at.epoch, at.step);
  const width = negatives + 1;
  const out = new Int32Array(index.length * width);
  for (let b = 0; b < index.length; b++) {
    out[b * width] = index[b]!;
    for (let j = 1; j < width; j++) out[b * width + j] = rng.int(trainSize);
  }
  return out;
}
