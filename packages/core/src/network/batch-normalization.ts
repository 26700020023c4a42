import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { batchNormTraining, hasBatchNormTraining } from '@kd/tfjs-kernels';

type BatchNormArgs = NonNullable<Parameters<typeof tfl.layers.batchNormalization>[0]>;
type StockLayer = ReturnType<typeof tfl.layers.batchNormalization>;
type Kwargs = Parameters<StockLayer['call']>[1];

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
 * kernels forward and backward per layer, more than half of a resnet20 step's CPU on wasm (docs/performance.md, step 9). Same arithmetic (biased batch
 * variance, the same moving-average update), so the layer is the stock one in everything else: inference, other
 * backends, options the kernel does not cover (`axis` other than the last, no `center` or `scale`), and — as its class
 * name is `BatchNormalization` — serialisation: saved models load in stock TensorFlow.js.
 */
function layerClass(): new (args: BatchNormArgs) => StockLayer {
  if (trainingBatchNormalization) return trainingBatchNormalization;
  // tfjs-layers' package entry exports the factory, not the class; an instance gives the class without a deep import
  // (which would load a second copy of tfjs-layers). Named, so that no auto-generated layer name is consumed.
  const Stock = tfl.layers.batchNormalization({ name: 'kd_batch_normalization_class_probe' }).constructor as new (
    args: BatchNormArgs,
  ) => StockLayer;
  class TrainingBatchNormalization extends Stock {
    static className = 'BatchNormalization';

    override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const self = this as unknown as Internals;
      const axis = self.axis < 0 ? self.axis + x.rank : self.axis;
      const fused =
        kwargs['training'] === true && axis === x.rank - 1 && self.center && self.scale && x.dtype === 'float32' && hasBatchNormTraining();
      if (!fused) return super.call(inputs, kwargs);
      return tf.tidy(() => {
        const { y, mean, variance } = batchNormTraining(x, self.gamma.read() as tf.Tensor1D, self.beta.read() as tf.Tensor1D, self.epsilon);
        // tfjs-layers' update v ← v − (v − batch)·(1 − momentum), with its float32 rounding steps, on the host: the
        // vectors are a few hundred values on a backend where reading them is a copy (the kernel exists only on wasm
        // and cpu), and three kernel calls per statistic were half of the small kernels of a resnet20 step.
        const decay = Math.fround(1 - self.momentum);
        for (const [v, batch] of [
          [self.movingMean, mean],
          [self.movingVariance, variance],
        ] as const) {
          const current = v.read().dataSync() as Float32Array;
          const b = batch.dataSync() as Float32Array;
          const next = new Float32Array(current.length);
          for (let i = 0; i < next.length; i++) next[i] = current[i]! - Math.fround(Math.fround(current[i]! - b[i]!) * decay);
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
