import * as tf from '@tensorflow/tfjs-core';
import { createVariable, StagePairModule, type InitializerSpec, type Rng, type StagePairChannels } from '@kd/core';

/** Module name: the engine checkpoints its variables as `vid::<stage>/conv1`, …, `vid::<stage>/alpha`. */
export const VID_MODULE_NAME = 'vid';

/** One pair's variables: three bias-free 1×1 convolution kernels ([1, 1, in, out]) and α, one per teacher channel. */
export interface VidPairVariables {
  readonly conv1: tf.Variable;
  readonly conv2: tf.Variable;
  readonly conv3: tf.Variable;
  readonly alpha: tf.Variable;
}

/**
 * VID's trainable part, trained beside the student and checkpointed (never exported): per stage pair the mean
 * regressor μ = conv1×1 → ReLU → conv1×1 → ReLU → conv1×1 (no biases) and the variance parameters α with
 * σ² = softplus(α) + ε.
 */
export class VidModule extends StagePairModule<VidPairVariables> {
  readonly name = VID_MODULE_NAME;

  /**
   * Kernels from `rng` with PyTorch's Conv2d default U(±1/√fan_in); α = log(exp(initVariance − ε) − 1) so that
   * σ² starts at initVariance. `learnVariance` false leaves α out of the trainable variables. The regressor's hidden
   * width is the teacher's channel count, as in both references.
   */
  constructor(
    geometry: readonly StagePairChannels[],
    rng: Rng,
    readonly options: { readonly initVariance: number; readonly eps: number; readonly learnVariance: boolean },
  ) {
    const make = (shape: readonly number[], spec: InitializerSpec) => createVariable(shape, spec, rng);
    const alpha0 = Math.log(Math.expm1(options.initVariance - options.eps));
    super(geometry, ({ studentChannels: s, teacherChannels: t }) => ({
      conv1: make([1, 1, s, t], { type: 'torchDefault' }),
      conv2: make([1, 1, t, t], { type: 'torchDefault' }),
      conv3: make([1, 1, t, t], { type: 'torchDefault' }),
      alpha: make([t], { type: 'constant', value: alpha0 }),
    }));
  }

  /** μ for pair `i`: `[N, H, W, Cs]` → `[N, H, W, Ct]`. */
  predictMean(i: number, x: tf.Tensor4D): tf.Tensor4D {
    const p = this.pairs[i]!;
    return tf.tidy(() => {
      const k = (v: tf.Variable) => v as unknown as tf.Tensor4D;
      const h1 = tf.relu(tf.conv2d(x, k(p.conv1), 1, 'valid'));
      const h2 = tf.relu(tf.conv2d(h1, k(p.conv2), 1, 'valid'));
      return tf.conv2d(h2, k(p.conv3), 1, 'valid');
    });
  }

  /** σ² = softplus(α) + ε for pair `i`, one per teacher channel. */
  variance(i: number): tf.Tensor1D {
    return tf.tidy(() => tf.add(tf.softplus(this.pairs[i]!.alpha), this.options.eps) as tf.Tensor1D);
  }

  override trainableVariables(): tf.Variable[] {
    return this.pairs.flatMap((p) => [p.conv1, p.conv2, p.conv3, ...(this.options.learnVariance ? [p.alpha] : [])]);
  }

  /** Parameter count of the regressors and variances (what the paper adds to the student while training). */
  override countParams(): number {
    return this.pairs.reduce((a, p) => a + p.conv1.size + p.conv2.size + p.conv3.size + p.alpha.size, 0);
  }
}
