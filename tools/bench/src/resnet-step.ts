// The training step the speed benchmarks time (speed.ts, ablation.ts, profile-step.ts): a CIFAR ResNet from
// @kd/backbone-resnet, kd's SGD (momentum 0.9, weight decay 5e-4, as speed_torch.py) and cross-entropy, batch on
// 32×32×3 inputs. Import it after the backend's environment (KD_WASM_THREADS) is set.
import * as tf from '@tensorflow/tfjs-core';
import { Optimizer, Rng, compilePluginSchema, crossEntropy, type Network } from '@kd/core';
import { resnetPlugin, type ResnetOptions } from '@kd/backbone-resnet';
import { container } from 'tsyringe';

export function resnet(
  variant: string,
  { numClasses = 100, seed = 2, scope = 'student' }: { numClasses?: number; seed?: number; scope?: string } = {},
): Network {
  const options: Record<string, unknown> = { name: 'resnet', variant };
  // The schema fills in the defaults, which makes the object the plugin's options.
  const validate = compilePluginSchema(resnetPlugin.manifest);
  if (!validate(options)) throw new Error(`resnet ${variant}: ${JSON.stringify(validate.errors)}`);
  const context = { container, baseDir: '.', numClasses, inputShape: [32, 32, 3] as const, rng: new Rng(seed), scope };
  return built(resnetPlugin.create(options as unknown as ResnetOptions, context));
}

/** The zoo's factories build their networks synchronously; the timing loops need the network, not a promise of it. */
export function built(net: Network | Promise<Network>): Network {
  if (net instanceof Promise) throw new Error('expected a backbone factory that builds its network synchronously');
  return net;
}

export function sgd(vars: readonly tf.Variable[]): Optimizer {
  return new Optimizer(
    { type: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 5e-4 },
    vars.map((variable, i) => ({ id: `p/${i}`, variable, decay: true })),
  );
}

/** A fixed batch: normal inputs, labels cycling through the classes. */
export function batchOf(size: number, numClasses = 100): { x: tf.Tensor4D; y: tf.Tensor1D } {
  return {
    x: tf.randomNormal([size, 32, 32, 3], 0, 1, 'float32', 1),
    y: tf.tensor1d(
      Array.from({ length: size }, (_, i) => i % numClasses),
      'int32',
    ),
  };
}

/** One SGD step of `net` on (x, y); returns a function that runs it and a disposer. */
export function trainStep(net: Network, x: tf.Tensor4D, y: tf.Tensor1D): { step: () => void; opt: Optimizer; dispose: () => void } {
  const vars = net.trainableVariables();
  const opt = sgd(vars);
  const step = () =>
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => crossEntropy(net.apply(x, { training: true }).logits, y), vars);
      opt.applyGradients(grads);
    });
  return { step, opt, dispose: () => opt.dispose() };
}
