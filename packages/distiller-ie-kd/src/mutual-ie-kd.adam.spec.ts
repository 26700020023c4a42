import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { Optimizer, Rng, RunEvents } from '@kd/core';
import { cnnPlugin } from '@kd/backbone-cnn';
import { strictAjv, tinyBackbone } from '@kd/testing';
import { ieKdOptionsSchema, type IeKdOptions } from './ie-kd.options.js';
import { createIeKdDistiller } from './plugin.js';
import type { MutualIeKdDistiller } from './mutual-ie-kd.distiller.js';

/** Options as the plugin's factory receives them: validated against the schema, defaults applied. */
function validated(options: Record<string, unknown>): IeKdOptions {
  const config = { name: 'ie-kd', ...options };
  const validate = strictAjv().compile(ieKdOptionsSchema);
  expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
  return config as unknown as IeKdOptions;
}

describe('mutual IE-KD with Adam', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('updates each network (and its modules) once per batch: every parameter’s Adam step count is the batch count', async () => {
    const shape = { numClasses: 5, inputShape: [8, 8, 1] as [number, number, number] };
    const student = await tinyBackbone(cnnPlugin, { name: 'cnn', channels: [4, 8] }, 'mutual-s', shape);
    const peer = await tinyBackbone(cnnPlugin, { name: 'cnn', channels: [4, 8] }, 'mutual-p', shape);
    const distiller = createIeKdDistiller(
      validated({ mode: 'mutual', split: 'natural', inheritanceWeight: 10, explorationWeight: 10, ckaSamples: 0 }),
      { baseDir: '.' },
    ) as MutualIeKdDistiller;
    await distiller.setup({
      student,
      numClasses: 5,
      rng: new Rng(3),
      events: new RunEvents(),
      runDir: '.',
      createNetwork: async () => peer,
    });
    const params = [student, ...distiller.extraModules()].flatMap((m) => m.trainableVariables());
    const optimizer = new Optimizer(
      { type: 'adam', lr: 0.01 },
      params.map((variable, i) => ({ id: `p${i}`, variable, decay: true })),
    );
    const x = tf.randomNormal([6, 8, 8, 1], 0, 1, 'float32', 4) as tf.Tensor4D;
    const labels = tf.tensor1d([0, 1, 2, 3, 4, 0], 'int32');
    const batches = 3;
    for (let i = 0; i < batches; i++) {
      tf.tidy(
        () =>
          void distiller.trainStep({
            epoch: 0,
            epochs: 1,
            step: i,
            globalStep: i,
            stage: 'train',
            x,
            labels,
            student,
            numClasses: 5,
            optimizer,
          }),
      );
    }
    // Two updates per batch (the student's, then the peer's)…
    expect(optimizer.iterations).toBe(2 * batches);
    // …each of its own parameters: both networks, both auto-encoders and all four split encoders.
    const counts = new Map(params.map((v) => [v.name, optimizer.stepCount(v)]));
    expect(
      [...counts.values()].every((c) => c === batches),
      JSON.stringify([...counts].filter(([, c]) => c !== batches)),
    ).toBe(true);
    expect(params.some((v) => v.name.startsWith('mutual-p'))).toBe(true);
    optimizer.dispose();
    distiller.dispose();
    student.dispose();
    [x, labels].forEach((t) => t.dispose());
  });
});
