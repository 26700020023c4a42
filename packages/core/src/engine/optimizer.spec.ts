import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint, saveCheckpoint } from '../io/checkpoint.js';
import { hasSgdUpdate, registerTrainingKernels, unregisterTrainingKernels } from '@kd/tfjs-kernels';
import { Optimizer } from './optimizer.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * Hand-derived updates of PyTorch's torch.optim.SGD / Adam / AdamW for w=[1,-2], g=[0.5,0.25] twice; SGD both as the
 * op chain and as @kd/tfjs-kernels' one-kernel update (used when the backend has it).
 */
describe.each([
  ['op chain', false],
  ['KdSgdUpdate kernel', true],
])('Optimizer (PyTorch semantics), SGD as the %s', (_, kernel) => {
  beforeAll(() => {
    if (kernel) registerTrainingKernels('cpu');
    else unregisterTrainingKernels('cpu');
    expect(hasSgdUpdate()).toBe(kernel);
  });
  afterAll(() => unregisterTrainingKernels('cpu'));
  const run = (config: ConstructorParameters<typeof Optimizer>[0], steps: number) => {
    const v = tf.tidy(() => tf.variable(tf.tensor1d([1, -2])));
    const opt = new Optimizer(config, [{ id: 'w', variable: v, decay: true }]);
    for (let i = 0; i < steps; i++) tf.tidy(() => opt.applyGradients(new Map([[v, tf.tensor1d([0.5, 0.25])]])));
    const out = Array.from(v.dataSync());
    opt.dispose();
    v.dispose();
    return out;
  };

  it('SGD with momentum and weight decay', () => {
    // step 1: g' = g + wd·w = [0.51, 0.23]; buf = g'; w = [1 - 0.0510, -2 - 0.0230]
    // step 2: g' = [0.5 + 0.01·0.949, 0.25 + 0.01·(-2.023)] = [0.50949, 0.22977]; buf = 0.9·buf + g'
    const w1 = [1 - 0.1 * 0.51, -2 - 0.1 * 0.23];
    const g2 = [0.5 + 0.01 * w1[0]!, 0.25 + 0.01 * w1[1]!];
    const buf2 = [0.9 * 0.51 + g2[0]!, 0.9 * 0.23 + g2[1]!];
    const expected = [w1[0]! - 0.1 * buf2[0]!, w1[1]! - 0.1 * buf2[1]!];
    const got = run({ type: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0.01 }, 2);
    got.forEach((x, i) => expect(x).toBeCloseTo(expected[i]!, 6));
  });

  it('SGD with Nesterov momentum', () => {
    // step 1: buf = g; update = g + 0.9·buf = 1.9·g
    const got = run({ type: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true }, 1);
    expect(got[0]).toBeCloseTo(1 - 0.1 * 1.9 * 0.5, 6);
    expect(got[1]).toBeCloseTo(-2 - 0.1 * 1.9 * 0.25, 6);
  });

  it('Adam: first step moves each weight by lr (bias-corrected m/√v = sign(g))', () => {
    const got = run({ type: 'adam', lr: 0.01 }, 1);
    expect(got[0]).toBeCloseTo(1 - 0.01, 6);
    expect(got[1]).toBeCloseTo(-2 - 0.01, 6);
  });

  it('AdamW decays decoupled from the gradient', () => {
    const got = run({ type: 'adamw', lr: 0.01, weightDecay: 0.1 }, 1);
    // w - lr·1 - lr·wd·w
    expect(got[0]).toBeCloseTo(1 - 0.01 - 0.01 * 0.1 * 1, 6);
    expect(got[1]).toBeCloseTo(-2 - 0.01 - 0.01 * 0.1 * -2, 6);
  });

  it('frees every temporary tensor', () => {
    const before = tf.memory().numTensors;
    run({ type: 'adam', lr: 0.01 }, 3);
    run({ type: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0.01 }, 3);
    expect(tf.memory().numTensors).toBe(before);
  });
});

/** Step counts are per parameter (PyTorch's state['step']): two updates of disjoint parameter sets are one step each. */
describe('Optimizer step counts', () => {
  // Adam's first update from zero moments: m̂ = g, v̂ = g², so w − lr·g/(|g| + ε).
  const firstAdamStep = (w: number, g: number, lr: number) => w - (lr * g) / (Math.abs(g) + 1e-8);

  it('Adam: a parameter updated in a separate call gets its own bias correction (first update moves it by lr)', () => {
    const a = tf.variable(tf.tensor1d([1, -2]));
    const b = tf.variable(tf.tensor1d([3, 4]));
    const opt = new Optimizer({ type: 'adam', lr: 0.01 }, [
      { id: 'a', variable: a, decay: false },
      { id: 'b', variable: b, decay: false },
    ]);
    // Two calls per "batch", as DML's alternating updates: a first, then b.
    tf.tidy(() => opt.applyGradients(new Map([[a, tf.tensor1d([0.5, 0.25])]])));
    tf.tidy(() => opt.applyGradients(new Map([[b, tf.tensor1d([-0.5, 2])]])));
    expect(opt.iterations).toBe(2);
    expect(opt.stepCount(a)).toBe(1);
    expect(opt.stepCount(b)).toBe(1);
    // With one shared count b's first update would use step 2: m̂ = 0.1g/0.19, v̂ = 0.001g²/0.001999, a move of 0.744·lr.
    const got = Array.from(b.dataSync());
    expect(got[0]).toBeCloseTo(firstAdamStep(3, -0.5, 0.01), 6);
    expect(got[1]).toBeCloseTo(firstAdamStep(4, 2, 0.01), 6);
    tf.tidy(() => opt.applyGradients(new Map([[a, tf.tensor1d([0.5, 0.25])]])));
    expect([opt.stepCount(a), opt.stepCount(b)]).toEqual([2, 1]);
    expect(() => opt.stepCount(tf.tidy(() => tf.variable(tf.scalar(0))))).toThrow(/does not own/);
    opt.dispose();
    a.dispose();
    b.dispose();
  });

  it('per-parameter counts survive a checkpoint; an older checkpoint without them restores the call count', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-opt-'));
    const make = () => {
      const a = tf.variable(tf.tensor1d([1, -2]));
      const b = tf.variable(tf.tensor1d([3, 4]));
      const opt = new Optimizer({ type: 'adam', lr: 0.01 }, [
        { id: 'a', variable: a, decay: false },
        { id: 'b', variable: b, decay: false },
      ]);
      return { a, b, opt, dispose: () => [opt, a, b].forEach((x) => x.dispose()) };
    };
    const first = make();
    for (let i = 0; i < 3; i++) tf.tidy(() => first.opt.applyGradients(new Map([[first.a, tf.tensor1d([0.5, 0.25])]])));
    tf.tidy(() => first.opt.applyGradients(new Map([[first.b, tf.tensor1d([1, 1])]])));
    const ck = saveCheckpoint(dir, { stageIndex: 0, stage: 'main', epochsDone: 1, metricsLines: 1 }, [], first.opt);
    const second = make();
    const loaded = loadCheckpoint(ck);
    loaded.restoreOptimizer(second.opt);
    loaded.dispose();
    second.a.assign(first.a);
    second.b.assign(first.b);
    expect([second.opt.iterations, second.opt.stepCount(second.a), second.opt.stepCount(second.b)]).toEqual([4, 3, 1]);
    // The same next update from the original and the restored optimiser.
    for (const o of [first, second]) tf.tidy(() => o.opt.applyGradients(new Map([[o.b, tf.tensor1d([0.3, -0.7])]])));
    expect(Array.from(second.b.dataSync())).toEqual(Array.from(first.b.dataSync()));
    // Slots of the older format (moments only) take the call count, as every parameter's count was then.
    const state = first.opt.getState();
    second.opt.setState(7, new Map(state.slots.map((s) => [s.id, s.values.slice(0, 2)])));
    expect([second.opt.stepCount(second.a), second.opt.stepCount(second.b)]).toEqual([7, 7]);
    expect(() => second.opt.setState(7, new Map(state.slots.map((s) => [s.id, s.values.slice(0, 1)])))).toThrow(
      /1 optimiser slots for parameter a; expected 2 or 3/,
    );
    first.dispose();
    second.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('SGD keeps no count tensor: its momentum buffer starting at zero is PyTorch’s first-step copy', () => {
    const a = tf.variable(tf.tensor1d([1]));
    const b = tf.variable(tf.tensor1d([1]));
    const opt = new Optimizer({ type: 'sgd', lr: 0.1, momentum: 0.9 }, [
      { id: 'a', variable: a, decay: false },
      { id: 'b', variable: b, decay: false },
    ]);
    tf.tidy(() => opt.applyGradients(new Map([[a, tf.tensor1d([1])]])));
    tf.tidy(() => opt.applyGradients(new Map([[b, tf.tensor1d([1])]])));
    expect(opt.getState().slots.map((s) => s.values.length)).toEqual([1, 1]);
    expect(b.dataSync()[0]).toBeCloseTo(0.9, 6);
    opt.dispose();
    a.dispose();
    b.dispose();
  });
});
