import * as tf from '@tensorflow/tfjs-core';
import type { EvaluationContext } from '../contracts/evaluator.js';
import type { Network } from '../contracts/network.js';

/** One batch's inference logits on the host: `values` row-major `[labels.length, width]`. */
export interface LogitBatch {
  readonly values: tf.TypedArray;
  readonly labels: tf.TypedArray;
  readonly width: number;
}

/**
 * Runs `network` in inference mode over every batch of a split (the last, short one included) and hands each batch's
 * logits and labels to `visit`; the batches and every tensor of the forward pass are freed. Returns the sample count.
 */
export async function forEachLogitBatch(
  network: Network,
  context: Pick<EvaluationContext, 'split' | 'batchSize'>,
  visit: (batch: LogitBatch) => void,
): Promise<number> {
  let n = 0;
  for await (const batch of context.split.batches({ batchSize: context.batchSize, dropLast: false })) {
    try {
      // apply() returns every stage output: tidy frees them all, not only the logits.
      tf.tidy(() => {
        const logits = network.apply(batch.x, { training: false }).logits;
        visit({ values: logits.dataSync(), labels: batch.y.dataSync(), width: logits.shape[1] });
      });
      n += batch.y.shape[0];
    } finally {
      batch.x.dispose();
      batch.y.dispose();
    }
  }
  return n;
}
