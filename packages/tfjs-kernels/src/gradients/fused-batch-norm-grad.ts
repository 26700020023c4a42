import * as tf from '@tensorflow/tfjs-core';

/**
 * Gradient of `FusedBatchNorm` (what `tf.batchNorm` and every tfjs-layers BatchNormalization run), the same math as
 * tfjs-core's with fewer passes over the activations.
 *
 * tfjs-core's gradient, for per-channel statistics, tiles `1/√(var+ε)` to the full activation shape before one
 * multiply (on wasm the `Tile` kernel is a generic per-element index loop: a third of a resnet20 training step) and
 * builds each of `mean`, `variance`, `scale` and `offset`'s gradients from its own full-size products. Here the
 * per-channel factors broadcast, and the four small gradients share two reductions:
 *
 *   s1 = Σ dy,  s2 = Σ dy·(x − mean)            (over every axis but the channel)
 *   ∂x = dy · scale/σ,  ∂offset = s1,  ∂scale = s2/σ,  ∂mean = −scale·s1/σ,  ∂variance = −½·scale·s2/σ³,  σ = √(var+ε)
 *
 * Shapes other than per-channel statistics (mean of the same rank as x) keep tfjs-core's formulas, which need no tile.
 */
export const fusedBatchNormGradConfig: tf.GradConfig = {
  kernelName: 'FusedBatchNorm',
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dyIn, saved, attrs) => {
    const dy = dyIn as tf.Tensor;
    const { varianceEpsilon } = attrs as unknown as { varianceEpsilon: number };
    const [x, mean, variance, scale] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor | undefined];
    const scaleValue = scale ?? tf.scalar(1);
    const axes = tf.backend_util.getReductionAxes(mean.shape, x.shape);
    const reduce = (t: tf.Tensor) => tf.reshape(axes.length > 0 ? tf.sum(t, axes) : t, mean.shape);
    const invStd = tf.rsqrt(tf.add(variance, tf.scalar(varianceEpsilon)));
    // Both sums are needed by three of the five gradients; computed here, in the backward pass's scope (each returned
    // function runs in its own tidy, which would free a lazily cached sum after its first use).
    const s1 = reduce(dy);
    const s2 = tf.tidy(() => reduce(tf.mul(dy, tf.sub(x, mean))));
    const scaleOverStd = tf.mul(invStd, scaleValue);
    return {
      x: () => tf.reshape(tf.mul(dy, scaleOverStd), x.shape),
      offset: () => tf.clone(s1),
      scale: () => tf.reshape(tf.mul(s2, invStd), mean.shape),
      mean: () => tf.reshape(tf.neg(tf.mul(scaleOverStd, s1)), mean.shape),
      variance: () => tf.reshape(tf.mul(tf.mul(tf.mul(tf.square(invStd), scaleOverStd), s2), tf.scalar(-0.5)), mean.shape),
    };
  },
};
