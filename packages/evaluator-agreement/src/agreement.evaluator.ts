import * as tf from '@tensorflow/tfjs-core';
import { KdInputError, klDivergence, type EvaluationContext, type Evaluator, type Metrics } from '@kd/core';
import type { AgreementOptions } from './agreement.options.js';

/** Teacher–student top-1 agreement and mean KL(teacher ‖ student) over a split, both networks in inference mode. */
export class AgreementEvaluator implements Evaluator {
  constructor(private readonly options: AgreementOptions) {}

  async evaluate(context: EvaluationContext): Promise<Metrics> {
    const { student, teacher } = context;
    if (!teacher) throw new KdInputError('the "agreement" evaluator needs a teacher; the run has none');
    const tau = this.options.temperature;
    let n = 0;
    let agree = 0;
    let klSum = 0;
    for await (const batch of context.split.batches({ batchSize: context.batchSize, dropLast: false })) {
      try {
        const [a, k] = tf.tidy(() => {
          const s = student.apply(batch.x, { training: false }).logits;
          const t = teacher.apply(batch.x, { training: false }).logits;
          // arg-max takes the lowest index on ties, for both networks alike.
          const same = tf.sum(tf.cast(tf.equal(tf.argMax(s, 1), tf.argMax(t, 1)), 'int32'));
          const kl = tf.sum(klDivergence(tf.div(s, tau), tf.div(t, tau)));
          return [same.dataSync()[0]!, kl.dataSync()[0]!];
        });
        agree += a;
        klSum += k;
        n += batch.y.shape[0];
      } finally {
        batch.x.dispose();
        batch.y.dispose();
      }
    }
    const scale = this.options.klScale === 'temperatureSquared' ? tau * tau : 1;
    return { 'agreement.top1': n === 0 ? 0 : agree / n, 'agreement.kl': n === 0 ? 0 : (scale * klSum) / n };
  }
}
