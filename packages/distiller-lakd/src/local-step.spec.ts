import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { crossEntropy, Optimizer, Rng } from '@kd/core';
import { tinyCnn } from '../test/networks.js';
import { Connector } from './connector.js';
import { localStep, type LocalStepInput } from './local-step.js';
import type { ObjectiveSettings } from './local-objective.js';
import { planModules } from './module-plan.js';
import { outputSource } from './teacher-pass.js';

const settings = (over: Partial<ObjectiveSettings> = {}): ObjectiveSettings => ({
  alpha: 0.5,
  attentionWeight: 0.5,
  beta: 1,
  ndamMode: 'loss',
  ndam: { avgWeight: 0.5, maxWeight: 0.5, kernel: 3, stride: 1, reduction: 'mean' },
  lastFeatureLoss: true,
  hardLoss: 'ce',
  kdWeight: 1,
  temperature: 4,
  ...over,
});

function fixture(seed: number) {
  const student = tinyCnn([4, 8], `s${seed}`, seed);
  const teacher = tinyCnn([6, 12], `t${seed}`, seed + 100);
  const modules = planModules(student, teacher, null, null, 'output');
  const connectors = [
    new Connector(`c${seed}_1`, [6, 6, 4], 6, new Rng(seed)),
    new Connector(`c${seed}_2`, [3, 3, 8], 12, new Rng(seed + 1)),
  ];
  const x = tf.randomNormal([16, 12, 12, 1], 0, 1, 'float32', seed) as tf.Tensor4D;
  const labels = tf.tensor1d(
    Array.from({ length: 16 }, (_, i) => i % 5),
    'int32',
  );
  const input = (over: Partial<LocalStepInput>, teacherOut = teacher.apply(x, { training: false })): LocalStepInput => ({
    student,
    modules,
    connectors,
    settings: settings(),
    x,
    labels,
    teacher: outputSource(teacherOut),
    active: [true, true],
    truncate: true,
    ...over,
  });
  const dispose = () => [student, teacher, ...connectors, x, labels].forEach((t) => t.dispose());
  return { student, teacher, modules, connectors, x, labels, input, dispose };
}

describe('LAKD local step', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('gives each module gradients from its own loss only: nothing from a later loss reaches an earlier module', () => {
    const f = fixture(1);
    const module1 = new Set([...f.student.stageVariables!(0), ...f.connectors[0]!.trainableVariables()].map((v) => v.name));
    const module2 = new Set(
      [...f.student.stageVariables!(1), ...f.student.stageVariables!(2), ...f.connectors[1]!.trainableVariables()].map((v) => v.name),
    );
    tf.tidy(() => {
      const r = localStep(f.input({}));
      expect([...r.reachedBy[0]!].sort()).toEqual([...module1].sort());
      expect([...r.reachedBy[1]!].sort()).toEqual([...module2].sort());
      for (const g of r.grads.values()) expect(tf.max(tf.abs(g)).dataSync()[0]).toBeGreaterThan(0);
      // Only the second module's loss on: with truncation it updates module 2 alone…
      const late = localStep(f.input({ active: [false, true] }));
      expect(late.reachedBy[0]).toEqual([]);
      expect([...late.grads.keys()].map((v) => v.name).sort()).toEqual([...module2].sort());
      // …without truncation the same loss reaches the first module's convolution, so the check above can fail.
      const untruncated = localStep(f.input({ active: [false, true], truncate: false }));
      expect([...untruncated.grads.keys()].some((v) => module1.has(v.name) && v.name.includes('conv'))).toBe(true);
    });
    f.dispose();
  });

  it('returns the student’s training-mode logits of the batch (the trainer’s train top-1), truncated or not, even with the last module off', () => {
    const f = fixture(4);
    tf.tidy(() => {
      // Training-mode outputs use the batch's statistics, so a fresh forward pass gives the same logits.
      const want = f.student.apply(f.x, { training: true }).logits;
      for (const over of [{}, { truncate: false }, { active: [true, false] }]) {
        const got = localStep(f.input(over)).logits;
        expect(got.shape, JSON.stringify(over)).toEqual(want.shape);
        expect(tf.max(tf.abs(tf.sub(got, want))).dataSync()[0], JSON.stringify(over)).toBeLessThan(1e-5);
      }
    });
    f.dispose();
  });

  it('without truncation and with the attention weight at 0 is a multi-stage FitNet loss (α·CE + β·Σ MSE(connector(F_S), F_T))', () => {
    const f = fixture(2);
    const s = settings({ attentionWeight: 0, alpha: 0.7, beta: 2 });
    const vars = [...f.student.trainableVariables(), ...f.connectors.flatMap((c) => c!.trainableVariables())];
    tf.tidy(() => {
      const tOut = f.teacher.apply(f.x, { training: false });
      // Snapshot batch-norm statistics: both computations run the student in training mode once.
      const ours = localStep(f.input({ settings: s, truncate: false }, tOut));
      const reference = tf.variableGrads(() => {
        const out = f.student.apply(f.x, { training: true });
        const mse = (l: number, name: string) =>
          tf.mean(tf.squaredDifference(f.connectors[l]!.apply(out.features[name] as tf.Tensor4D, true), tOut.features[name]!));
        return tf.add(tf.mul(crossEntropy(out.logits, f.labels), 0.7), tf.mul(tf.add(mse(0, 'stage1'), mse(1, 'stage2')), 2)) as tf.Scalar;
      }, vars);
      expect(Math.abs(ours.total.dataSync()[0]! - reference.value.dataSync()[0]!)).toBeLessThan(1e-5 * reference.value.dataSync()[0]!);
      for (const v of vars) {
        const a = ours.grads.get(v)!;
        const b = reference.grads[v.name]!;
        const err = tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;
        const scale = tf.max(tf.abs(b)).dataSync()[0]!;
        expect(err, v.name).toBeLessThanOrEqual(1e-4 * scale + 1e-7);
      }
      // With truncation the first module's gradients differ (the later losses no longer reach it).
      const truncated = localStep(f.input({ settings: s, truncate: true }, tOut));
      const conv1 = vars.find((v) => v.name.includes('stage1_conv1'))!;
      expect(tf.max(tf.abs(tf.sub(truncated.grads.get(conv1)!, reference.grads[conv1.name]!))).dataSync()[0]).toBeGreaterThan(1e-6);
    });
    f.dispose();
  });

  it('lowers each module’s own loss over a short run and leaks no tensors', () => {
    const f = fixture(3);
    const vars = [...f.student.trainableVariables(), ...f.connectors.flatMap((c) => c!.trainableVariables())];
    const optimizer = new Optimizer(
      { type: 'sgd', lr: 0.05, momentum: 0.9 },
      vars.map((variable, i) => ({ id: `p${i}`, variable, decay: false })),
    );
    const history: Record<string, number>[] = [];
    const step = () =>
      tf.tidy(() => {
        const r = localStep(f.input({}));
        optimizer.applyGradients(r.grads);
        history.push(Object.fromEntries(Object.entries(r.terms).map(([k, v]) => [k, v.dataSync()[0]!])));
      });
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 24; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    const first = history[0]!;
    const last = history[history.length - 1]!;
    expect(Object.keys(first).sort()).toEqual(['ce', 'm1.attention', 'm1.feature', 'm1.total', 'm2.attention', 'm2.feature', 'm2.total']);
    expect(last['m1.total']!).toBeLessThan(0.8 * first['m1.total']!);
    expect(last['m2.total']!).toBeLessThan(0.8 * first['m2.total']!);
    optimizer.dispose();
    f.dispose();
  });
});
