// The training step the speed benchmarks time (speed.mjs, ablation.mjs, profile-step.mjs): a CIFAR ResNet from
// @kd/backbone-resnet, kd's SGD (momentum 0.9, weight decay 5e-4, as speed_torch.py) and cross-entropy, batch on
// 32×32×3 inputs. Import it after the backend's environment (KD_WASM_THREADS) is set.
import * as tf from '@tensorflow/tfjs-core';
import { Optimizer, Rng, compilePluginSchema, crossEntropy } from '@kd/core';
import { resnetPlugin } from '@kd/backbone-resnet';
import { container } from 'tsyringe';

export function resnet(variant, { numClasses = 100, seed = 2, scope = 'student' } = {}) {
  const options = { name: 'resnet', variant };
  compilePluginSchema(resnetPlugin.manifest)(options);
  return resnetPlugin.create(options, { container, baseDir: '.', numClasses, inputShape: [32, 32, 3], rng: new Rng(seed), scope });
}

export function sgd(vars) {
  return new Optimizer(
    { type: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 5e-4 },
    vars.map((variable, i) => ({ id: `p/${i}`, variable, decay: true })),
  );
}

/** A fixed batch: normal inputs, labels cycling through the classes. */
export function batchOf(size, numClasses = 100) {
  return {
    x: tf.randomNormal([size, 32, 32, 3], 0, 1, 'float32', 1),
    y: tf.tensor1d(
      Array.from({ length: size }, (_, i) => i % numClasses),
      'int32',
    ),
  };
}

/** One SGD step of `net` on (x, y); returns a function that runs it and a disposer. */
export function trainStep(net, x, y) {
  const vars = net.trainableVariables();
  const opt = sgd(vars);
  const step = () =>
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => crossEntropy(net.apply(x, { training: true }).logits, y), vars);
      opt.applyGradients(grads);
    });
  return { step, opt, dispose: () => opt.dispose() };
}
