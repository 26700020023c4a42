// The training step the speed benchmarks time (speed.ts, ablation.ts, profile-step.ts, backbones.ts and the dataset
// benches image-folder-decode.ts and cifar-batching.ts): a backbone built as a run builds it, kd's SGD (momentum 0.9;
// weight decay 5e-4 as speed_torch.py unless told otherwise) and cross-entropy, and the loop that times it. Import it
// after the backend's environment (KD_WASM_THREADS) is set.
import * as tf from '@tensorflow/tfjs-core';
import { Optimizer, Rng, compilePluginSchema, crossEntropy, type BackbonePlugin, type Network } from '@kd/core';
import { container } from 'tsyringe';

export interface BackboneSetup {
  readonly numClasses?: number;
  /** Side of the square input (32: CIFAR's layout). */
  readonly size?: number;
  /** Channels of the input (3: RGB). */
  readonly channels?: number;
  readonly seed?: number;
  readonly scope?: string;
}

/** A network of `plugin` with `options` (its `name` added); the schema fills in the defaults, as in a run. */
export function backbone(
  plugin: BackbonePlugin,
  options: Readonly<Record<string, unknown>>,
  { numClasses = 100, size = 32, channels = 3, seed = 2, scope = 'student' }: BackboneSetup = {},
): Network | Promise<Network> {
  const o: Record<string, unknown> = { name: plugin.manifest.name, ...options };
  const validate = compilePluginSchema(plugin.manifest);
  if (!validate(o)) throw new Error(`${plugin.manifest.name} ${JSON.stringify(options)}: ${JSON.stringify(validate.errors)}`);
  return plugin.create(o, { container, baseDir: '.', numClasses, inputShape: [size, size, channels], rng: new Rng(seed), scope });
}

/** The zoo's factories build their networks synchronously; the timing loops need the network, not a promise of it. */
export function built(net: Network | Promise<Network>): Network {
  if (net instanceof Promise) throw new Error('expected a backbone factory that builds its network synchronously');
  return net;
}

export interface SgdSetup {
  readonly lr?: number;
  readonly weightDecay?: number;
}

export function sgd(vars: readonly tf.Variable[], { lr = 0.05, weightDecay = 5e-4 }: SgdSetup = {}): Optimizer {
  return new Optimizer(
    { type: 'sgd', lr, momentum: 0.9, weightDecay },
    vars.map((variable, i) => ({ id: `p/${i}`, variable, decay: true })),
  );
}

/** Labels cycling through the classes. */
export const cyclicLabels = (size: number, numClasses: number): tf.Tensor1D =>
  tf.tensor1d(
    Array.from({ length: size }, (_, i) => i % numClasses),
    'int32',
  );

/** A fixed batch: normal inputs (`side`×`side`×3), labels cycling through the classes. */
export function batchOf(size: number, numClasses = 100, side = 32): { x: tf.Tensor4D; y: tf.Tensor1D } {
  return { x: tf.randomNormal([size, side, side, 3], 0, 1, 'float32', 1), y: cyclicLabels(size, numClasses) };
}

/** One SGD step of `net` on any batch: `step(x, y)` (the engine's step, minus its bookkeeping), and a disposer. */
export function trainer(
  net: Network,
  setup?: SgdSetup,
): { step: (x: tf.Tensor4D, y: tf.Tensor1D) => void; opt: Optimizer; dispose: () => void } {
  const vars = net.trainableVariables();
  const opt = sgd(vars, setup);
  const step = (x: tf.Tensor4D, y: tf.Tensor1D) =>
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => crossEntropy(net.apply(x, { training: true }).logits, y), vars);
      opt.applyGradients(grads);
    });
  return { step, opt, dispose: () => opt.dispose() };
}

/** One SGD step of `net` on (x, y); returns a function that runs it and a disposer. */
export function trainStep(
  net: Network,
  x: tf.Tensor4D,
  y: tf.Tensor1D,
  setup?: SgdSetup,
): { step: () => void; opt: Optimizer; dispose: () => void } {
  const t = trainer(net, setup);
  return { ...t, step: () => t.step(x, y) };
}

/** Wall seconds per call of `step`: `warmup` calls untimed, then the mean over `steps` timed calls. */
export function secondsPerStep(step: () => void, { warmup, steps }: { readonly warmup: number; readonly steps: number }): number {
  for (let i = 0; i < warmup; i++) step();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  return (performance.now() - t0) / 1000 / steps;
}
