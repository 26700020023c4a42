import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { lakdOptionsSchema, type LakdOptions } from './lakd.options.js';
import { moduleLoss, objectiveSettings } from './local-objective.js';
import type { LocalModule } from './module-plan.js';
import { outputSource } from './teacher-pass.js';

/** Options with the schema's defaults applied, as a config with `ndam` (and nothing else) set gets them. */
function options(ndam: Record<string, unknown>): LakdOptions {
  const o = { name: 'lakd', ndam };
  new Ajv2020({ strict: true, useDefaults: true }).compile(lakdOptionsSchema)(o);
  return o as unknown as LakdOptions;
}

const MODULE: LocalModule = { index: 0, stages: [0], studentFeature: 'stage1', teacherFeature: 'stage1', last: false };

/**
 * How much NDAM changes the gradient a module's objective sends into the student feature:
 * ‖∇(objective with NDAM) − ∇(β·plain MSE)‖ / ‖∇(β·plain MSE)‖, through the package's own objective (moduleLoss).
 */
function ndamShare(o: LakdOptions, student: tf.Tensor4D, teacher: tf.Tensor4D): number {
  return tf.tidy(() => {
    const labels = tf.zeros([student.shape[0]], 'int32') as tf.Tensor1D;
    const source = outputSource({ features: { stage1: teacher }, logits: tf.zeros([1, 1]), embedding: tf.zeros([1, 1]) });
    const grad = (settings: ReturnType<typeof objectiveSettings>) =>
      tf.grad((f: tf.Tensor) => moduleLoss(MODULE, { output: f, features: { stage1: f } }, source, labels, undefined, settings).total)(
        student,
      );
    const withNdam = grad(objectiveSettings(o));
    const plain = grad(objectiveSettings(options({ mode: 'off' })));
    return tf.norm(tf.sub(withNdam, plain)).dataSync()[0]! / tf.norm(plain).dataSync()[0]!;
  });
}

/** resnet20's (and resnet56's) stage outputs on 32×32 CIFAR images, NHWC without the batch. */
const RESNET20_STAGES: [number, number, number][] = [
  [32, 32, 16],
  [16, 16, 32],
  [8, 8, 64],
];

describe('NDAM acts on the gradient with the default options (resnet20 stage shapes, independent post-ReLU features)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  const cases = RESNET20_STAGES.flatMap((shape, i) => [4, 16].map((batch) => [shape.join('×'), batch, i] as const));

  it.each(cases)('%s, batch %i', (_name, batch, i) => {
    const shape = RESNET20_STAGES[i]!;
    const draw = (seed: number) => tf.relu(tf.randomNormal([batch, ...shape], 0, 1, 'float32', seed)) as tf.Tensor4D;
    const student = draw(10 * i + batch);
    const teacher = draw(10 * i + batch + 1000);
    const share = (ndam: Record<string, unknown>) => ndamShare(options(ndam), student, teacher);
    // Measured here: 0.13–0.15 (default "weight"), 0.17–0.25 ("both"), 0.12–0.22 ("loss", sum), 2e-4–1.9e-3 ("loss", mean).
    expect(share({})).toBeGreaterThanOrEqual(0.1);
    expect(share({ mode: 'both' })).toBeGreaterThanOrEqual(0.1);
    expect(share({ mode: 'loss' })).toBeGreaterThanOrEqual(0.1);
    // the earlier default: the attention term averaged over H·W positions is inert
    expect(share({ mode: 'loss', reduction: 'mean' })).toBeLessThan(1e-2);
    expect(share({ mode: 'off' })).toBe(0);
    [student, teacher].forEach((t) => t.dispose());
  });
});
