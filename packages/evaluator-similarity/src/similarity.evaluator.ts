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
    let n = 0;
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
          n += take;
        } finally {
          batch.x.dispose();
          batch.y.dispose();
        }
        if (n >= this.options.maxExamples) break;
      }
      if (n < 2) throw new KdInputError(`the "similarity" evaluator needs at least 2 images; the ${context.splitName} split has ${n}`);
      const out: Record<string, number> = {};
      for (const [i, p] of pairs.entries()) {
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
