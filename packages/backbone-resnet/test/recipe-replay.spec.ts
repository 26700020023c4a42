import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core alone registers no gradients; the runtime (like @tensorflow/tfjs) imports them once.
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import * as tfl from '@tensorflow/tfjs-layers';
import { readFileSync } from 'node:fs';
import {
  LayersNetwork,
  Rng,
  batchNormalization,
  createAjv,
  crossEntropy,
  klDivergence,
  type BackboneContext,
  type Distiller,
  type LossInputs,
  type Network,
  type PipelineConfig,
} from '@kd/core';
import { Session, buildPipelineSchema } from '@kd/core/host';
import { dkdLossTerms } from '@kd/distiller-dkd';
import { relErr } from '@kd/testing';
import { ResnetNetwork } from '../src/resnet.network.js';
import { formulaValues } from './formula-weights.js';

/**
 * The replay of kd's training step (core's Session, the trainer's own step) against the reference trainers' recipe
 * in PyTorch (test/make_recipe_replay_fixture.py, which describes the recipe, formulas and summaries): SGD over every
 * parameter with weight decay, batch norm with the unbiased running variance — kd's defaults. Losses: CE and KD on both
 * networks, and DKD (@kd/distiller-dkd's loss, mdistiller's CIFAR-100 weights) on resnet8.
 */
interface Case {
  readonly steps: { losses: Record<string, number>; gradients: Record<string, number[]> }[];
  readonly change: Record<string, number[]>;
  readonly running: Record<string, number[]>;
  /** PyTorch's float32 run of the same case (DKD): how well single precision can know each gradient summary. */
  readonly float32Gradients?: Record<string, number[]>[];
}
const fixture = JSON.parse(readFileSync(new URL('./recipe-replay-fixture.json', import.meta.url), 'utf8')) as {
  recipe: {
    lr: number;
    batch: number;
    size: number;
    classes: number;
    steps: number;
    temperature: number;
    ceWeight: number;
    kdWeight: number;
    dkd: { alpha: number; beta: number; temperature: number; ceWeight: number; warmupFactor: number };
  };
  cases: Record<string, Case>;
};
const R = fixture.recipe;
const TOL = 1e-4;

/** Batch `step`: x[n, c, h, w] = sin(0.1 · flat NCHW index + step) laid out NHWC, labels (3i + step) mod classes. */
function batch(step: number): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const [n, c, h, w] = [R.batch, 3, R.size, R.size];
  const out = new Float32Array(n * c * h * w);
  let j = 0;
  for (let b = 0; b < n; b++)
    for (let yy = 0; yy < h; yy++)
      for (let xx = 0; xx < w; xx++) for (let ch = 0; ch < c; ch++) out[j++] = Math.sin(0.1 * (((b * c + ch) * h + yy) * w + xx) + step);
  const labels = Array.from({ length: n }, (_, i) => (3 * i + step) % R.classes);
  return { x: tf.tensor4d(out, [n, h, w, c]), y: tf.tensor1d(labels, 'int32') };
}

/** The fixture's summary of a tensor: [Σv, Σv², Σ v·sin(1.3i), Σ v·cos(0.37i), v_0 … v_15]. */
function summary(v: ArrayLike<number>): number[] {
  let sum = 0;
  let sq = 0;
  let ps = 0;
  let pc = 0;
  for (let i = 0; i < v.length; i++) {
    sum += v[i]!;
    sq += v[i]! * v[i]!;
    ps += v[i]! * Math.sin(1.3 * i);
    pc += v[i]! * Math.cos(0.37 * i);
  }
  return [sum, sq, ps, pc, ...Array.from(v).slice(0, 16)];
}

/** Worst relative error of a tensor's summary, part by part (the linear functionals, the square sum, the leading values). */
function summaryErr(actual: ArrayLike<number>, expected: readonly number[]): number {
  return summariesErr(summary(actual), expected);
}

/** {@link summaryErr} between two summaries. */
function summariesErr(a: readonly number[], expected: readonly number[]): number {
  const err = (idx: number[]) => {
    let diff = 0;
    let scale = 0;
    for (const i of idx) {
      diff = Math.max(diff, Math.abs(a[i]! - expected[i]!));
      scale = Math.max(scale, Math.abs(expected[i]!));
    }
    return diff / scale;
  };
  return Math.max(err([0, 2, 3]), err([1]), err(Array.from({ length: expected.length - 4 }, (_, i) => i + 4)));
}

/**
 * A parameter's change over the steps against the reference's: the leading values and the linear functionals, each
 * within 1e-4 of its size plus the float32 rounding of the weights it is the difference of (2 ulps of the largest
 * weight per value summed): a γ near 1 that moved by 1e-4 is known to ~1e-3 of its change in float32, in any framework.
 */
function changeWithin(actual: ArrayLike<number>, expected: readonly number[], maxWeight: number): boolean {
  const a = summary(actual);
  const ulps = 2 * 2 ** -23 * maxWeight;
  const within = (idx: number[], terms: number) => {
    const scale = Math.max(...idx.map((i) => Math.abs(expected[i]!)));
    return idx.every((i) => Math.abs(a[i]! - expected[i]!) <= TOL * scale + ulps * terms);
  };
  return (
    within([0, 2, 3], actual.length) &&
    within(
      Array.from({ length: expected.length - 4 }, (_, i) => i + 4),
      1,
    )
  );
}

/** The fixture's plain CNN: conv3x3 (bias) → BN → ReLU → max-pool 2, twice; global average pooling; linear. */
class PlainCnn extends LayersNetwork {
  constructor(context: BackboneContext) {
    super('plain', {}, context);
    const s = (n: string) => this.scoped(n);
    const input = tfl.input({ shape: [...this.inputShape], name: s('input') });
    let h: tfl.SymbolicTensor = input;
    for (const [stage, filters] of [
      ['stage1', 8],
      ['stage2', 16],
    ] as const) {
      h = tfl.layers.conv2d({ filters, kernelSize: 3, padding: 'same', name: s(`${stage}_conv`) }).apply(h) as tfl.SymbolicTensor;
      h = batchNormalization({ momentum: 0.9, epsilon: 1e-5, name: s(`${stage}_bn`) }).apply(h) as tfl.SymbolicTensor;
      h = tfl.layers.reLU().apply(h) as tfl.SymbolicTensor;
      h = tfl.layers.maxPooling2d({ poolSize: 2, strides: 2 }).apply(h) as tfl.SymbolicTensor;
    }
    this.finish(this.poolAndClassify(input, h, { names: [], outputs: [] }, 'plain'), context.rng);
  }
}

/** mdistiller's KD: 0.1·CE + 0.9·τ²·mean_b KL(softmax(z_T/τ) ‖ softmax(z_S/τ)). */
const kd: Distiller = {
  usesTeacher: true,
  computeLoss({ student, teacher, labels }: LossInputs) {
    const ce = crossEntropy(student.logits, labels);
    const t = R.temperature;
    const kl = tf.mul(tf.mean(klDivergence(tf.div(student.logits, t), tf.div(teacher!.logits, t))), t * t) as tf.Scalar;
    return { total: tf.add(tf.mul(ce, R.ceWeight), tf.mul(kl, R.kdWeight)) as tf.Scalar, terms: { ce, kd: kl } };
  },
};

/** mdistiller's DKD with its CIFAR-100 weights (α 1, β 8, τ 4, CE weight 1), warm-up finished: @kd/distiller-dkd's loss. */
const dkd: Distiller = {
  usesTeacher: true,
  computeLoss({ student, teacher, labels }: LossInputs) {
    const t = dkdLossTerms(student.logits, teacher!.logits, labels, R.dkd);
    return { total: t.total, terms: { ce: t.ce, tckd: t.tckd, nckd: t.nckd } };
  },
};
const DISTILLERS: Record<string, Distiller | undefined> = { ce: undefined, kd, dkd };

/** The training section of a config with every default applied, plus `overrides`. */
function trainingConfig(
  overrides: { optimizer?: Record<string, unknown>; batchNorm?: Record<string, unknown> } = {},
): PipelineConfig['training'] {
  const schema = (buildPipelineSchema([]) as { properties: { training: object } }).properties.training;
  const training = { epochs: 1, ...overrides, optimizer: { type: 'sgd', ...overrides.optimizer } };
  if (!createAjv().compile(schema)(training)) throw new Error('invalid training section');
  return training as unknown as PipelineConfig['training'];
}

function build(net: string, scope: string, training: PipelineConfig['training'], offset: number): Network {
  const context: BackboneContext = {
    numClasses: R.classes,
    inputShape: [R.size, R.size, 3],
    rng: new Rng(1),
    scope,
    batchNorm: training.batchNorm,
  };
  const network = net === 'resnet8' ? new ResnetNetwork({ name: 'resnet', variant: 'resnet8' }, context) : new PlainCnn(context);
  for (const { name, variable } of network.stateVariables())
    variable.assign(tf.tensor(formulaValues(name, variable.shape, offset), variable.shape));
  return network;
}

interface Replay {
  losses: Record<string, number>[];
  gradients: Record<string, Float32Array>[];
  change: Record<string, Float32Array>;
  /** The largest final |weight| of each parameter. */
  maxWeight: Record<string, number>;
  running: Record<string, Float32Array>;
}

/** Three steps of kd's training step from the fixture's state on the fixture's batches. */
function replay(name: string, training: PipelineConfig['training']): Replay {
  const [net, loss] = name.split('/') as [string, string];
  const student = build(net, 'student', training, 0);
  const distiller = DISTILLERS[loss];
  const teacher = distiller ? build(net, 'teacher', training, 50) : undefined;
  const dataset = { info: { numClasses: R.classes }, split: () => ({ size: R.batch * R.steps }) };
  const parts = {
    dataset,
    student,
    teacher,
    distiller,
    evaluators: [],
    dispose: () => {
      student.dispose();
      teacher?.dispose();
    },
  } as unknown as ConstructorParameters<typeof Session>[1];
  const session = new Session({ training } as PipelineConfig, parts);
  const named = student.stateVariables();
  const initial = new Map(named.map((v) => [v.name, v.variable.dataSync().slice() as Float32Array]));
  const trainable = new Set(student.trainableVariables());
  const out: Replay = { losses: [], gradients: [], change: {}, maxWeight: {}, running: {} };
  try {
    const before = tf.memory().numTensors;
    for (let step = 0; step < R.steps; step++) {
      const b = batch(step);
      const result = session.step(b, { step, keepGradients: true });
      b.x.dispose();
      b.y.dispose();
      out.losses.push(result.losses);
      const grads: Record<string, Float32Array> = {};
      for (const v of named) {
        const g = result.gradients?.get(v.variable.name);
        if (g) grads[v.name] = g.dataSync() as Float32Array;
      }
      result.gradients?.forEach((g) => g.dispose());
      out.gradients.push(grads);
    }
    expect(tf.memory().numTensors).toBe(before); // a step leaves nothing behind
    for (const v of named) {
      const now = v.variable.dataSync() as Float32Array;
      if (trainable.has(v.variable)) {
        out.change[v.name] = now.map((x, i) => x - initial.get(v.name)![i]!);
        out.maxWeight[v.name] = Math.max(...Array.from(now, Math.abs));
      } else out.running[v.name] = now.slice();
    }
  } finally {
    session.dispose();
  }
  return out;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('a replayed training step equals PyTorch’s with the default recipe (SGD, decay on every parameter, unbiased BN variance)', () => {
  it.each(Object.keys(fixture.cases))('%s: losses, gradients, parameter changes and running statistics to 1e-4', (name) => {
    const ref = fixture.cases[name]!;
    const got = replay(name, trainingConfig());
    ref.steps.forEach((s, step) => {
      for (const [term, value] of Object.entries(s.losses))
        expect(relErr(got.losses[step]![term]!, value), `${term} @${step}`).toBeLessThan(TOL);
      expect(Object.keys(got.gradients[step]!).sort()).toEqual(Object.keys(s.gradients).sort());
      for (const [p, want] of Object.entries(s.gradients)) {
        // A bias right before batch norm has a zero gradient in exact arithmetic (PyTorch's float64 gives ~1e-18):
        // float32 leaves ~1e-8 there, which no relative measure can compare.
        if (Math.max(...want.map(Math.abs)) < 1e-12)
          expect(Math.max(...summary(got.gradients[step]![p]!).map(Math.abs)), `gradient of ${p} @${step}`).toBeLessThan(1e-6);
        else {
          // Where PyTorch's own float32 run misses the float64 value by more than 1e-4 (a cancelling sum), kd is held to
          // twice that error: no float32 framework can do better.
          const single = ref.float32Gradients?.[step]?.[p];
          const tol = single ? Math.max(TOL, 2 * summariesErr(single, want)) : TOL;
          expect(summaryErr(got.gradients[step]![p]!, want), `gradient of ${p} @${step}`).toBeLessThan(tol);
        }
      }
    });
    expect(Object.keys(got.change).sort()).toEqual(Object.keys(ref.change).sort());
    for (const [p, want] of Object.entries(ref.change))
      expect(changeWithin(got.change[p]!, want, got.maxWeight[p]!), `change of ${p}`).toBe(true);
    expect(Object.keys(got.running).sort()).toEqual(Object.keys(ref.running).sort());
    for (const [p, want] of Object.entries(ref.running)) expect(relErr(got.running[p]!, want), p).toBeLessThan(TOL);
  });

  it('kd’s earlier conventions are told apart: decay on kernels only moves γ/β/biases off, the biased variance the running variance', () => {
    const name = 'plain/ce';
    const ref = fixture.cases[name]!;
    const kernels = replay(name, trainingConfig({ optimizer: { weightDecayOn: 'kernels' } }));
    for (const p of ['stage1_bn/gamma', 'stage2_bn/beta', 'stage1_conv/bias', 'classifier/bias'])
      expect(changeWithin(kernels.change[p]!, ref.change[p]!, kernels.maxWeight[p]!), p).toBe(false);
    const biased = replay(name, trainingConfig({ batchNorm: { runningVariance: 'biased' } }));
    // stage 2 sees 8·4·4 = 128 values per channel: the rules differ by 0.1·var/127 per step
    expect(relErr(biased.running['stage2_bn/moving_variance']!, ref.running['stage2_bn/moving_variance']!)).toBeGreaterThan(1e-4);
    // the running statistics do not enter a training step's output: the parameters move as with the default
    expect(changeWithin(biased.change['stage1_bn/gamma']!, ref.change['stage1_bn/gamma']!, biased.maxWeight['stage1_bn/gamma']!)).toBe(
      true,
    );
  });
});
