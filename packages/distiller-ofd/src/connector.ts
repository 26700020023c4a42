import * as tf from '@tensorflow/tfjs-core';
import { createVariable, StagePairModule, trainModeBatchNorm, type Rng, type StagePairChannels } from '@kd/core';

/** Module name: the engine checkpoints its variables as `connector::<stage>/kernel`, … */
export const CONNECTOR_MODULE_NAME = 'connector';

export interface ConnectorVariables {
  /** [k, k, Cs, Ct], no bias. */
  readonly kernel: tf.Variable;
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
}

/**
 * OFD's connectors, one per stage pair: a bias-free k×k convolution (stride 1) from the student's channels to the
 * teacher's, then batch norm. Trained beside the student and checkpointed, never exported.
 *
 * They only ever run inside training steps, where the reference's batch norm is in train mode, so it normalises with
 * the batch's statistics (biased variance, as PyTorch); running averages would never be read and are not kept.
 */
export class OfdConnectors extends StagePairModule<ConnectorVariables> {
  readonly name = CONNECTOR_MODULE_NAME;

  /** Kernels from `rng` as the reference: normal(0, √(2 / (k²·Ct))); γ = 1, β = 0. */
  constructor(
    geometry: readonly StagePairChannels[],
    readonly kernelSize: 1 | 3,
    rng: Rng,
  ) {
    super(geometry, ({ studentChannels: s, teacherChannels: t }) => ({
      kernel: createVariable([kernelSize, kernelSize, s, t], { type: 'kaimingNormal', mode: 'fanOut' }, rng),
      gamma: createVariable([t], { type: 'ones' }, rng),
      beta: createVariable([t], { type: 'zeros' }, rng),
    }));
  }

  /** conv → BN (batch statistics) for pair `i`: `[N, H, W, Cs]` → `[N, H, W, Ct]`. */
  apply(i: number, x: tf.Tensor4D): tf.Tensor4D {
    const p = this.pairs[i]!;
    return tf.tidy(() => {
      // stride 1 and an odd kernel: tfjs 'same' pads (k − 1)/2 on every side, as PyTorch's padding
      return trainModeBatchNorm(tf.conv2d(x, p.kernel as unknown as tf.Tensor4D, 1, 'same'), p.gamma, p.beta);
    });
  }
}
