import * as tf from '@tensorflow/tfjs-core';
import { KdInputError, linearCka, type EvaluationContext, type Evaluator, type Metrics } from '@kd/core';
import type { SimilarityOptions } from './similarity.options.js';
import { featureRows, resolveFeature } from './feature-ref.js';

/** Metric name of a pair, from the references as written in the options. */
export function ckaMetricName(pair: { teacher: string; student: string }): string {
  return `similarity.cka.${pair.teacher}-${pair.student}`;
}

/** Linear CKA between teacher and student features over the first `maxExamples` images of the split. */
export class SimilarityEvaluator implements Evaluator {
  constructor(private readonly options: SimilarityOptions) {}

  async evaluate(context: EvaluationContext): Promise<Metrics> {
    const { student, teacher } = context;
    if (!teacher) throw new KdInputError('the "similarity" evaluator needs a teacher; the run has none');
    const pairs = this.options.pairs.map((p, i) => ({
      metric: ckaMetricName(p),
      teacher: resolveFeature(teacher, p.teacher),
      student: resolveFeature(student, p.student),
      index: i,
    }));
    const rows = pairs.map(() => ({ teacher: [] as tf.Tensor2D[], student: [] as tf.Tensor2D[] }));
    const pairNonFinite = pairs.map(() => false);
    let n = 0;
    let nonFinite = 0;
    try {
      for await (const batch of context.split.batches({ batchSize: context.batchSize, dropLast: false })) {
        try {
          const take = Math.min(batch.y.shape[0], this.options.maxExamples - n);
          const kept = tf.tidy(() => {
            const x = take < batch.x.shape[0] ? tf.slice(batch.x, 0, take) : batch.x;
            const t = teacher.apply(x, { training: false });
            const s = student.apply(x, { training: false });
            return pairs.map((p) => ({
              teacher: featureRows(teacher, t, p.teacher, this.options.reduce, `similarity evaluator /pairs/${p.index}/teacher`),
              student: featureRows(student, s, p.student, this.options.reduce, `similarity evaluator /pairs/${p.index}/student`),
            }));
          });
          kept.forEach((k, i) => {
            rows[i]!.teacher.push(k.teacher);
            rows[i]!.student.push(k.student);
          });
          nonFinite += tf.tidy(() => {
            // Per image: are all of its compared features, on both sides, finite?
            const perPair = kept.map((k) => tf.logicalAnd(tf.all(tf.isFinite(k.teacher), 1), tf.all(tf.isFinite(k.student), 1)));
            perPair.forEach((f, i) => {
              if (!tf.all(f).dataSync()[0]) pairNonFinite[i] = true;
            });
            return (
              take -
              tf
                .sum(
                  tf.cast(
                    perPair.reduce((a, b) => tf.logicalAnd(a, b)),
                    'int32',
                  ),
                )
                .dataSync()[0]!
            );
          });
          n += take;
        } finally {
          batch.x.dispose();
          batch.y.dispose();
        }
        if (n >= this.options.maxExamples) break;
      }
      if (n < 2) throw new KdInputError(`the "similarity" evaluator needs at least 2 images; the ${context.splitName} split has ${n}`);
      // The fraction of the subset's images with a NaN or ±Inf in a compared feature: always reported (0 normally).
      const out: Record<string, number> = { 'similarity.nonFinite': nonFinite / n };
      for (const [i, p] of pairs.entries()) {
        // A CKA over features holding NaN/Inf has no value: NaN (null in metrics.jsonl), never a number made of
        // them, and not a CKA over fewer images either (the subset would differ from epoch to epoch).
        if (pairNonFinite[i]) {
          out[p.metric] = NaN;
          continue;
        }
        const [x, y] = tf.tidy(() => [tf.concat(rows[i]!.teacher, 0), tf.concat(rows[i]!.student, 0)] as [tf.Tensor2D, tf.Tensor2D]);
        try {
          out[p.metric] = linearCka(x, y);
        } finally {
          tf.dispose([x, y]);
        }
      }
      return out;
    } finally {
      for (const r of rows) tf.dispose([...r.teacher, ...r.student]);
    }
  }
}
