import * as tf from '@tensorflow/tfjs-core';
import { argMaxRow, KdInputError, klDivergence, type EvaluationContext, type Evaluator, type Metrics } from '@kd/core';
import type { AgreementOptions } from './agreement.options.js';

/**
 * Teacher–student top-1 agreement and mean KL(teacher ‖ student) over a split, both networks in inference mode.
 *
 * A sample where either network's logits hold a NaN or ±Inf is a disagreement, is left out of the KL mean (its KL is
 * not a number, and a NaN summed in would make the whole mean NaN, while a masked 0 would look like perfect agreement)
 * and counts in `agreement.nonFinite`. With no finite sample at all, the KL is NaN (no value: `null` in metrics.jsonl).
 */
export class AgreementEvaluator implements Evaluator {
  constructor(private readonly options: AgreementOptions) {}

  async evaluate(context: EvaluationContext): Promise<Metrics> {
    const { student, teacher } = context;
    if (!teacher) throw new KdInputError('the "agreement" evaluator needs a teacher; the run has none');
    const tau = this.options.temperature;
    let n = 0;
    let agree = 0;
    let finite = 0;
    let klSum = 0;
    for await (const batch of context.split.batches({ batchSize: context.batchSize, dropLast: false })) {
      try {
        tf.tidy(() => {
          const s = student.apply(batch.x, { training: false }).logits;
          const t = teacher.apply(batch.x, { training: false }).logits;
          const width = s.shape[1];
          const sv = s.dataSync();
          const tv = t.dataSync();
          const kl = klDivergence(tf.div(s, tau), tf.div(t, tau)).dataSync();
          for (let i = 0; i < kl.length; i++) {
            const ps = argMaxRow(sv, i, width);
            const pt = argMaxRow(tv, i, width);
            if (ps < 0 || pt < 0) continue;
            finite++;
            if (ps === pt) agree++;
            klSum += kl[i]!;
          }
        });
        n += batch.y.shape[0];
      } finally {
        batch.x.dispose();
        batch.y.dispose();
      }
    }
    const scale = this.options.klScale === 'temperatureSquared' ? tau * tau : 1;
    return {
      'agreement.top1': n === 0 ? 0 : agree / n,
      'agreement.kl': n === 0 ? 0 : finite === 0 ? NaN : (scale * klSum) / finite,
      'agreement.nonFinite': n === 0 ? 0 : (n - finite) / n,
    };
  }
}
