import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { Optimizer, Rng, RunEvents } from '@kd/core';
import { cnnPlugin } from '@kd/backbone-cnn';
import { strictAjv, tinyBackbone } from '@kd/testing';
import { ieKdOptionsSchema, type IeKdOptions } from './ie-kd.options.js';
import { IE_KD_STAGES, type IeKdDistiller } from './ie-kd.distiller.js';
import { createIeKdDistiller } from './plugin.js';

const B = 6;
const LABELS = [0, 1, 2, 3, 4, 0];
const TAU = 3;
const KD_WEIGHT = 0.7;
const LR = 0.1;

const softmax = (row: number[]) => {
  const m = Math.max(...row);
  const e = row.map((z) => Math.exp(z - m));
  const s = e.reduce((a, c) => a + c, 0);
  return e.map((z) => z / s);
};

/** Options as the plugin's factory receives them: validated against the schema, defaults applied. */
function validated(options: Record<string, unknown>): IeKdOptions {
  const config = { name: 'ie-kd', ...options };
  const validate = strictAjv().compile(ieKdOptionsSchema);
  expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
  return config as unknown as IeKdOptions;
}

describe('IE-KD with kdWeight > 0: a student-stage training step', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('logs kd = τ²·mean KL(p_T ‖ p_S) as computed here in float64, adds kdWeight·kd to the total, and its gradient reaches the classifier', async () => {
    const shape = { numClasses: 5, inputShape: [8, 8, 1] as [number, number, number] };
    const student = await tinyBackbone(cnnPlugin, { name: 'cnn', channels: [4, 8] }, 'iekd-kd-s', shape);
    const teacher = await tinyBackbone(cnnPlugin, { name: 'cnn', channels: [8, 16] }, 'iekd-kd-t', shape);
    const o = {
      split: 'natural',
      inheritanceWeight: 10,
      explorationWeight: 5,
      kdWeight: KD_WEIGHT,
      temperature: TAU,
      cache: false,
      teacherFeature: 'stage2',
      studentFeature: 'stage2',
    } as const;
    const distiller = createIeKdDistiller(validated(o), { baseDir: '.' }) as IeKdDistiller;
    distiller.setup({
      student,
      teacher,
      numClasses: 5,
      rng: new Rng(2),
      events: new RunEvents(),
      runDir: '.',
      createNetwork: async () => Promise.reject(new Error('unused')),
    });
    // What the student stage trains (its plan): the student and both split encoders.
    const trains = new Set(distiller.stages()[1]!.trains);
    const modules = [student, ...distiller.extraModules().filter((m) => trains.has(m.name))];
    expect(modules.slice(1).map((m) => m.name)).toEqual(['ie-kd.inheritance', 'ie-kd.exploration']);
    const vars = modules.flatMap((m) => m.trainableVariables());
    const optimizer = new Optimizer(
      { type: 'sgd', lr: LR },
      vars.map((variable, i) => ({ id: `p${i}`, variable, decay: true })),
    );
    const x = tf.randomNormal([B, 8, 8, 1], 0, 1, 'float32', 9) as tf.Tensor4D;
    const labels = tf.tensor1d(LABELS, 'int32');

    // Logits before the step (training-mode batch statistics, as the step's own forward pass).
    const [zs, zt] = tf.tidy(() => [
      student.apply(x, { training: true }).logits.arraySync(),
      teacher.apply(x, { training: false }).logits.arraySync(),
    ]);
    const bias = vars.find((v) => v.name.includes('classifier') && v.name.includes('bias'))!;
    const biasBefore = Array.from(bias.dataSync());

    const logged = tf.tidy(() => {
      const r = distiller.trainStep({
        epoch: 0,
        epochs: 1,
        step: 0,
        globalStep: 0,
        stage: IE_KD_STAGES.student,
        x,
        labels,
        student,
        teacher,
        numClasses: 5,
        optimizer,
      });
      return Object.fromEntries([...Object.entries(r.terms), ['total', r.total] as const].map(([k, v]) => [k, v.dataSync()[0]!]));
    });
    expect(Object.keys(logged).sort()).toEqual(['ce', 'exploration', 'inheritance', 'kd', 'total']);

    // Float64: CE, KD = τ²·mean_b Σ_k p_T,τ (log p_T,τ − log p_S,τ).
    let ce = 0;
    let kd = 0;
    zs.forEach((row, b) => {
      ce -= Math.log(softmax(row)[LABELS[b]!]!);
      const ps = softmax(row.map((z) => z / TAU));
      const pt = softmax(zt[b]!.map((z) => z / TAU));
      pt.forEach((p, k) => (kd += p * Math.log(p / ps[k]!)));
    });
    ce /= B;
    kd = (TAU * TAU * kd) / B;
    expect(Math.abs(logged['ce']! - ce) / ce).toBeLessThan(1e-5);
    expect(Math.abs(logged['kd']! - kd) / kd).toBeLessThan(1e-4);
    const withoutKd = logged['ce']! + 10 * logged['inheritance']! + 5 * logged['exploration']!;
    expect(Math.abs(logged['total']! - (withoutKd + KD_WEIGHT * kd))).toBeLessThan(1e-5 * Math.abs(logged['total']!));

    // The classifier bias sees only CE and KD: Δb_k = −lr·mean_b[(p_bk − 1{k=y_b}) + kdWeight·τ·(p_S,τ − p_T,τ)_bk].
    const grad = (withKd: boolean) =>
      biasBefore.map((_, k) =>
        zs.reduce((acc, row, b) => {
          const hard = softmax(row)[k]! - (k === LABELS[b] ? 1 : 0);
          const soft = softmax(row.map((z) => z / TAU))[k]! - softmax(zt[b]!.map((z) => z / TAU))[k]!;
          return acc + (hard + (withKd ? KD_WEIGHT * TAU * soft : 0)) / B;
        }, 0),
      );
    const delta = Array.from(bias.dataSync()).map((v, k) => v - biasBefore[k]!);
    grad(true).forEach((g, k) => expect(Math.abs(delta[k]! + LR * g), `bias ${k}`).toBeLessThan(1e-6));
    // Without the KD gradient the update would be measurably different.
    expect(Math.max(...grad(false).map((g, k) => Math.abs(delta[k]! + LR * g)))).toBeGreaterThan(1e-3);

    optimizer.dispose();
    distiller.dispose();
    [student, teacher, x, labels].forEach((t) => t.dispose());
  });
});
