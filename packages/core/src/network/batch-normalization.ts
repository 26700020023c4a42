import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { batchNormTraining, hasBatchNormTraining } from '@kd/tfjs-kernels';

type StockArgs = NonNullable<Parameters<typeof tfl.layers.batchNormalization>[0]>;
type StockLayer = ReturnType<typeof tfl.layers.batchNormalization>;
type Kwargs = Parameters<StockLayer['call']>[1];

/**
 * Which batch variance a training step folds into the running variance. `unbiased` (× n/(n−1), n = N·H·W values
 * per channel) is PyTorch's `BatchNorm2d`, the layer of every reference implementation kd replays; `biased` is
 * tfjs-layers' and Keras's. Normalisation itself uses the biased variance in both.
 */
export type RunningVariance = 'unbiased' | 'biased';

export interface BatchNormArgs extends StockArgs {
  /** Default `unbiased` (PyTorch); a run sets its layers from `training.batchNorm.runningVariance`. */
  readonly runningVariance?: RunningVariance;
}

/** The running-variance rule of kd's batch-norm layers, settable after construction (see {@link setRunningVariance}). */
interface WithRunningVariance {
  runningVariance: RunningVariance;
}

/** The private fields of tfjs-layers' BatchNormalization this layer reads (present on every built instance). */
interface Internals {
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly gamma: tfl.LayerVariable;
  readonly beta: tfl.LayerVariable;
  readonly movingMean: tfl.LayerVariable;
  readonly movingVariance: tfl.LayerVariable;
}

let trainingBatchNormalization: (new (args: BatchNormArgs) => StockLayer) | undefined;

/**
 * tfjs-layers' BatchNormalization with its training-mode forward pass as one kernel (`KdBatchNormTraining`, whose
 * gradient is one kernel too) where the active backend has it (`@kd/tfjs-kernels` on wasm and cpu, natively with
 * `@kd/tfjs-onednn`). tfjs-layers builds the same computation from `tf.moments` and `FusedBatchNorm`: about twenty
 * kernels forward and backward per layer, more than half of a resnet20 step's CPU on wasm (docs/performance.md, step 9). Same arithmetic
 * and moving-average update, except that the running variance takes the unbiased batch variance by default, as
 * PyTorch's does (`runningVariance`). The layer is the stock one in everything else: inference, other backends,
 * options the kernel does not cover (`axis` other than the last, no `center` or `scale`), and — as its class name is
 * `BatchNormalization` — serialisation: saved models load in stock TensorFlow.js (the rule is a training setting and
 * is not serialised).
 */
function layerClass(): new (args: BatchNormArgs) => StockLayer {
  if (trainingBatchNormalization) return trainingBatchNormalization;
  // tfjs-layers' package entry exports the factory, not the class; an instance gives the class without a deep import
  // (which would load a second copy of tfjs-layers). Named, so that no auto-generated layer name is consumed.
  const Stock = tfl.layers.batchNormalization({ name: 'kd_batch_normalization_class_probe' }).constructor as new (
    args: StockArgs,
  ) => StockLayer;
  class TrainingBatchNormalization extends Stock implements WithRunningVariance {
    static className = 'BatchNormalization';
    runningVariance: RunningVariance;

    constructor({ runningVariance = 'unbiased', ...args }: BatchNormArgs) {
      super(args);
      this.runningVariance = runningVariance;
    }

    override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const self = this as unknown as Internals;
      const axis = self.axis < 0 ? self.axis + x.rank : self.axis;
      const training = kwargs['training'] === true;
      const unbiased = training && this.runningVariance === 'unbiased';
      // Values per channel; PyTorch refuses to train on one, where the correction is undefined.
      const n = x.size / x.shape[axis]!;
      const correction = unbiased && n > 1 ? n / (n - 1) : 1;
      const fused = training && axis === x.rank - 1 && self.center && self.scale && x.dtype === 'float32' && hasBatchNormTraining();
      if (!fused) {
        if (correction === 1) return super.call(inputs, kwargs);
        // The stock step folds the biased variance in; redo that one update from the value before it.
        const before = tf.clone(self.movingVariance.read());
        try {
          const y = super.call(inputs, kwargs);
          tf.tidy(() => {
            const axes = [...Array(x.rank).keys()].filter((a) => a !== axis);
            const batch = tf.mul(tf.moments(x, axes).variance, correction);
            self.movingVariance.write(tf.sub(before, tf.mul(tf.sub(before, batch), 1 - self.momentum)));
          });
          return y;
        } finally {
          before.dispose();
        }
      }
      return tf.tidy(() => {
        const { y, mean, variance } = batchNormTraining(x, self.gamma.read() as tf.Tensor1D, self.beta.read() as tf.Tensor1D, self.epsilon);
        // tfjs-layers' update v ← v − (v − batch)·(1 − momentum), with its float32 rounding steps, on the host: the
        // vectors are a few hundred values on a backend where reading them is a copy (the kernel exists only on wasm
        // and cpu), and three kernel calls per statistic were half of the small kernels of a resnet20 step.
        const decay = Math.fround(1 - self.momentum);
        for (const [v, batch, scale] of [
          [self.movingMean, mean, 1],
          [self.movingVariance, variance, correction],
        ] as const) {
          const current = v.read().dataSync() as Float32Array;
          const b = batch.dataSync() as Float32Array;
          const next = new Float32Array(current.length);
          for (let i = 0; i < next.length; i++) {
            const value = scale === 1 ? b[i]! : Math.fround(b[i]! * scale);
            next[i] = current[i]! - Math.fround(Math.fround(current[i]! - value) * decay);
          }
          v.write(tf.tensor1d(next));
        }
        return y;
      });
    }
  }
  return (trainingBatchNormalization = TrainingBatchNormalization);
}

/** Drop-in for `tf.layers.batchNormalization` whose training step runs as one kernel where the backend has it. */
export function batchNormalization(args: BatchNormArgs = {}): StockLayer {
  return new (layerClass())(args);
}

/**
 * Sets the running-variance rule of every kd batch-norm layer of `model` (nested models included); stock layers
 * are left as they are. Returns how many layers it set.
 */
export function setRunningVariance(model: tfl.LayersModel, rule: RunningVariance): number {
  let count = 0;
  const visit = (layers: readonly tfl.layers.Layer[]) => {
    for (const layer of layers) {
      if (trainingBatchNormalization && layer instanceof trainingBatchNormalization) {
        (layer as unknown as WithRunningVariance).runningVariance = rule;
        count += 1;
      } else if ('layers' in layer && Array.isArray((layer as { layers?: unknown }).layers)) {
        visit((layer as unknown as tfl.LayersModel).layers);
      }
    }
  };
  visit(model.layers);
  return count;
}
