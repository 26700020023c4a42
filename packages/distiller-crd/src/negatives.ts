import { Rng } from '@kd/core';

/** Where a step is, for the stream its negatives are drawn from. */
export interface StepAt {
  readonly stage: string;
  readonly epoch: number;
  readonly step: number;
}

/** The step's own stream: derived from (seed, stage, epoch, step) alone, so a resumed run draws what it drew before. */
const stepRng = (seed: number, at: StepAt) => Rng.derive(seed, 'crd-negatives', at.stage, at.epoch, at.step);

/**
 * The rows each sample is scored against, row by row: its own index (the positive), then `negatives` indices drawn
 * uniformly with replacement from [0, trainSize) — ContrastMemory's own sampler (an alias table over uniform weights),
 * used when the reference's data loader gives it no contrast indices.
 */
export function contrastIndices(seed: number, at: StepAt, index: Int32Array, negatives: number, trainSize: number): Int32Array {
  const rng = stepRng(seed, at);
  const width = negatives + 1;
  const out = new Int32Array(index.length * width);
  for (let b = 0; b < index.length; b++) {
    out[b * width] = index[b]!;
    for (let j = 1; j < width; j++) out[b * width + j] = rng.int(trainSize);
  }
  return out;
}

/** For each class, the positions of the training samples of every other class (the reference's `cls_negative`). */
export function otherClassPositions(labels: Int32Array): Map<number, Int32Array> {
  const classes = [...new Set(labels)].sort((a, b) => a - b);
  return new Map(
    classes.map((c) => {
      const out = new Int32Array(labels.length - labels.filter((l) => l === c).length);
      let k = 0;
      labels.forEach((l, i) => {
        if (l !== c) out[k++] = i;
      });
      return [c, out] as const;
    }),
  );
}

/**
 * As the reference CIFAR loaders draw them (RepDistiller's and mdistiller's `…InstanceSample`, mode "exact"): the
 * positive, then `negatives` positions of samples of the other classes, distinct when there are at least that many
 * (numpy's `choice(…, replace=False)`), with replacement otherwise. Distinct draws use Floyd's algorithm, K steps
 * whatever the pool size; the order of the negatives does not matter to the loss, which sums over them.
 */
export function otherClassContrastIndices(
  seed: number,
  at: StepAt,
  index: Int32Array,
  negatives: number,
  labels: Int32Array,
  pools: Map<number, Int32Array>,
): Int32Array {
  const rng = stepRng(seed, at);
  const width = negatives + 1;
  const out = new Int32Array(index.length * width);
  for (let b = 0; b < index.length; b++) {
    const pool = pools.get(labels[index[b]!]!)!;
    const n = pool.length;
    out[b * width] = index[b]!;
    if (negatives > n) {
      for (let j = 1; j < width; j++) out[b * width + j] = pool[rng.int(n)]!;
      continue;
    }
    const chosen = new Set<number>();
    for (let j = n - negatives; j < n; j++) {
      const t = rng.int(j + 1);
      chosen.add(chosen.has(t) ? j : t);
    }
    let j = 1;
    for (const c of chosen) out[b * width + j++] = pool[c]!;
  }
  return out;
}
