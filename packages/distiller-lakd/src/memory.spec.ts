import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { crossEntropy, klDivergence, Optimizer, Rng, RunEvents, type Network } from '@kd/core';
import { tinyCnn } from '../test/networks.js';
import { LakdDistiller } from './lakd.distiller.js';
import { lakdOptionsSchema, type LakdOptions } from './lakd.options.js';

/**
 * The bench's measurement (bench/memory.mjs) at test size: tf.profile's peak bytes during one training step minus the
 * bytes held before it. It counts tensor allocations, so on the cpu backend it is exact and the same on every run.
 */
async function peakStepBytes(step: () => void): Promise<number> {
  step();
  step();
  const start = tf.memory().numBytes;
  const profile = await tf.profile(step);
  return profile.peakBytes - start;
}

function lakdOptions(truncate: boolean): LakdOptions {
  const o = { name: 'lakd', truncate, maps: { every: 0 } };
  new Ajv2020({ strict: true, useDefaults: true }).compile(lakdOptionsSchema)(o);
  return o as unknown as LakdOptions;
}

const sgd = (vars: tf.Variable[]) =>
  new Optimizer(
    { type: 'sgd', lr: 0.01, momentum: 0.9 },
    vars.map((variable, i) => ({ id: `p${i}`, variable, decay: true })),
  );

describe('LAKD peak step memory', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('is below end-to-end KD’s on a 3-stage student, and below its own untruncated form (truncation frees each module’s graph)', async () => {
    const shape: [number, number, number] = [16, 16, 1];
    const student: Network = tinyCnn([4, 16, 64], 's', 1, shape);
    const teacher: Network = tinyCnn([4, 16, 64], 't', 2, shape);
    const x = tf.randomNormal([8, ...shape], 0, 1, 'float32', 3) as tf.Tensor4D;
    const labels = tf.tensor1d(
      Array.from({ length: 8 }, (_, i) => i % 5),
      'int32',
    );

    const kdOptimizer = sgd(student.trainableVariables());
    const kd = await peakStepBytes(() =>
      tf.tidy(() => {
        const t = teacher.apply(x, { training: false });
        const { grads } = tf.variableGrads(() => {
          const s = student.apply(x, { training: true });
          const soft = tf.mul(tf.mean(klDivergence(tf.div(s.logits, 4), tf.div(t.logits, 4))), 16);
          return tf.add(tf.mul(crossEntropy(s.logits, labels), 0.1), tf.mul(soft, 0.9)) as tf.Scalar;
        }, student.trainableVariables());
        kdOptimizer.applyGradients(grads);
      }),
    );
    kdOptimizer.dispose();

    const lakd = async (truncate: boolean, t: Network = teacher) => {
      const distiller = new LakdDistiller(lakdOptions(truncate));
      distiller.setup({
        student,
        teacher: t,
        numClasses: 5,
        rng: new Rng(4),
        events: new RunEvents(),
        runDir: '.',
        createNetwork: async () => Promise.reject(new Error('unused')),
      });
      const optimizer = sgd([student, ...distiller.extraModules()].flatMap((m) => m.trainableVariables()));
      const info = { epoch: 0, epochs: 1, step: 0, globalStep: 0, stage: 'main' };
      const bytes = await peakStepBytes(() =>
        tf.tidy(() => void distiller.trainStep({ ...info, x, labels, student, teacher: t, numClasses: 5, optimizer })),
      );
      optimizer.dispose();
      distiller.dispose();
      return bytes;
    };
    const untruncated = await lakd(false);
    const truncated = await lakd(true);
    // The same teacher without stage-by-stage execution: one inference pass whose features live for the whole step.
    const onePass = await lakd(true, Object.assign(Object.create(teacher) as Network, { applyStage: undefined, applyHead: undefined }));
    // Measured: KD 2,740,120 B, LAKD untruncated 2,780,452 B (1.01×), LAKD 1,016,984 B (0.37×), LAKD with a one-pass
    // teacher 1,125,688 B. The stages hold equal activation volumes (16²·4 = 8²·16 = 4²·64 per image), so the largest
    // module is about a third of the network.
    expect(truncated).toBeLessThan(kd);
    expect(truncated).toBeLessThan(untruncated);
    // the bench's target (resnet56 → resnet20, batch 64) at this size
    expect(truncated / kd).toBeLessThanOrEqual(0.6);
    expect(truncated).toBeLessThan(onePass);
    [student, teacher, x, labels].forEach((t) => t.dispose());
  });
});
