import { forEachLogitBatch, type EvaluationContext, type Network } from '@kd/core';
import { argMaxRow, isFiniteRow, labelRank } from './logit-rows.js';
import { addToConfusion, emptyConfusion, type ConfusionTally } from './confusion.js';

/**
 * Top-k hit counts over a split, the number of samples whose logits were not all finite (misses at every k) and, when
 * `numClasses` is given, the confusion matrix of the arg-max predictions.
 */
export interface ClassifierTally {
  readonly n: number;
  readonly hits: ReadonlyMap<number, number>;
  readonly nonFinite: number;
  readonly confusion?: ConfusionTally;
}

/** One inference pass of a network over a split: top-k hits and (optionally) the confusion matrix. */
export async function tallyClassifier(
  network: Network,
  context: Pick<EvaluationContext, 'split' | 'batchSize'>,
  ks: readonly number[],
  numClasses?: number,
): Promise<ClassifierTally> {
  const hits = new Map<number, number>(ks.map((k) => [k, 0]));
  const confusion = numClasses === undefined ? undefined : emptyConfusion(numClasses);
  let nonFinite = 0;
  const n = await forEachLogitBatch(network, context, ({ values, labels, width }) => {
    for (let i = 0; i < labels.length; i++) {
      if (!isFiniteRow(values, i, width)) nonFinite++;
      const rank = labelRank(values, i, width, labels[i]!);
      for (const k of ks) if (rank < k) hits.set(k, hits.get(k)! + 1);
    }
    if (confusion)
      addToConfusion(
        confusion,
        labels,
        Array.from(labels, (_, i) => argMaxRow(values, i, width)),
      );
  });
  return confusion ? { n, hits, nonFinite, confusion } : { n, hits, nonFinite };
}

/** Top-k accuracy over a split, in inference mode. */
export async function topKAccuracy(
  network: Network,
  context: Pick<EvaluationContext, 'split' | 'batchSize'>,
  ks: readonly number[],
): Promise<Record<number, number>> {
  const { n, hits } = await tallyClassifier(network, context, ks);
  return Object.fromEntries(ks.map((k) => [k, n === 0 ? 0 : hits.get(k)! / n]));
}
