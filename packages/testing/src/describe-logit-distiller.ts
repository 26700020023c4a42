import * as tf from '@tensorflow/tfjs-core';
import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import type { Distiller, DistillerPlugin, LossInputs, NetworkOutput } from '@kd/core';
import { validatedOptions } from './distiller-setup.js';

/** What a logit distiller's spec states; the checks of its `create` are the same for every such distiller. */
export interface LogitDistillerCase {
  readonly plugin: DistillerPlugin;
  /** Options (besides `name`) of the distiller whose loss is compared with `reference`. */
  readonly options?: Readonly<Record<string, unknown>>;
  /** The names of the terms computeLoss returns beside the total. */
  readonly terms: readonly string[];
  /**
   * The package's loss function on the same logits and options: `total` and every term must equal computeLoss's
   * to the last bit, since the plugin only forwards.
   */
  readonly reference: (student: tf.Tensor2D, teacher: tf.Tensor2D, labels: tf.Tensor1D) => Readonly<Record<string, tf.Tensor>>;
  /** Training-loop fields of the loss inputs (epoch, epochs, step…) when the defaults (first step of one epoch) do not suit. */
  readonly loop?: Partial<LossInputs>;
}

const output = (logits: tf.Tensor2D): NetworkOutput => ({ logits, features: {}, embedding: logits });

/** Loss inputs of a distiller that reads only logits: the logits double as the embedding, no features. */
export function logitLossInputs(
  student: tf.Tensor2D,
  teacher: tf.Tensor2D | undefined,
  labels: tf.Tensor1D,
  loop: Partial<LossInputs> = {},
): LossInputs {
  return {
    student: output(student),
    ...(teacher ? { teacher: output(teacher) } : {}),
    labels,
    numClasses: student.shape[1],
    epoch: 0,
    epochs: 1,
    step: 0,
    globalStep: 0,
    stage: 'main',
    ...loop,
  };
}

/**
 * The checks every distiller of logits owes through its plugin: it uses the teacher and trains by computeLoss alone,
 * forwards exactly to its loss function, is differentiable in the student, names the missing teacher, and hands
 * back exactly the tensors it returns.
 */
export function describeLogitDistiller(c: LogitDistillerCase): void {
  const { name } = c.plugin.manifest;
  const create = async (options: Readonly<Record<string, unknown>> = {}): Promise<Distiller> =>
    c.plugin.create(validatedOptions(c.plugin.manifest.optionsSchema, name, { ...options }), {
      container: container.createChildContainer(),
      baseDir: '.',
    });
  const inputs = (s: tf.Tensor2D, t: tf.Tensor2D | undefined, y: tf.Tensor1D) => logitLossInputs(s, t, y, c.loop);

  describe(`${name}Plugin.create (logit distiller checks)`, () => {
    it(`returns a teacher-using distiller whose computeLoss returns total and the ${c.terms.join(', ')} terms`, async () => {
      const distiller = await create(c.options);
      expect(distiller.usesTeacher).toBe(true);
      expect(distiller.trainStep).toBeUndefined();
      tf.tidy(() => {
        const s = tf.randomNormal([4, 10], 0, 2, 'float32', 1) as tf.Tensor2D;
        const t = tf.randomNormal([4, 10], 0, 2, 'float32', 2) as tf.Tensor2D;
        const y = tf.tensor1d([0, 3, 6, 9], 'int32');
        const out = distiller.computeLoss!(inputs(s, t, y));
        expect(Object.keys(out.terms).sort()).toEqual([...c.terms].sort());
        const ref = c.reference(s, t, y);
        expect(out.total.dataSync()[0]).toBe(ref['total']!.dataSync()[0]);
        for (const term of c.terms) expect(out.terms[term]!.dataSync()[0], term).toBe(ref[term]!.dataSync()[0]);
      });
    });

    it('is differentiable with respect to the student through computeLoss', async () => {
      const distiller = await create();
      tf.tidy(() => {
        const s = tf.randomNormal([2, 5], 0, 2, 'float32', 3) as tf.Tensor2D;
        const t = tf.randomNormal([2, 5], 0, 2, 'float32', 4) as tf.Tensor2D;
        const y = tf.tensor1d([1, 2], 'int32');
        const g = tf.grad((x: tf.Tensor) => distiller.computeLoss!(inputs(x as tf.Tensor2D, t, y)).total)(s);
        expect(g.shape).toEqual([2, 5]);
        expect(tf.max(tf.abs(g)).dataSync()[0]).toBeGreaterThan(0);
      });
    });

    it('throws a clear error without the teacher output', async () => {
      const distiller = await create();
      tf.tidy(() => {
        const s = tf.zeros([1, 3]) as tf.Tensor2D;
        expect(() => distiller.computeLoss!(inputs(s, undefined, tf.tensor1d([0], 'int32')))).toThrow(/teacher/);
      });
    });

    it('leaks no tensors: the caller gets the total and the terms, nothing else', async () => {
      const distiller = await create();
      const s = tf.randomNormal([3, 4], 0, 1, 'float32', 5) as tf.Tensor2D;
      const t = tf.randomNormal([3, 4], 0, 1, 'float32', 6) as tf.Tensor2D;
      const y = tf.tensor1d([0, 1, 2], 'int32');
      const before = tf.memory().numTensors;
      const out = distiller.computeLoss!(inputs(s, t, y));
      expect(tf.memory().numTensors).toBe(before + 1 + c.terms.length);
      tf.dispose([out.total, ...Object.values(out.terms)]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([s, t, y]);
    });
  });
}
