import * as tf from '@tensorflow/tfjs-core';
import { absLikeTorch, KdInputError } from '@kd/core';

/** How a feature map becomes its NDAM map. */
export interface NdamMapSettings {
  readonly avgWeight: number;
  readonly maxWeight: number;
  /** Pooling window k, or "global" for one average and one maximum over the whole map. */
  readonly kernel: number | 'global';
  /** Pooling stride; ignored with a global kernel. Required like the reduction: runs get the schema's default. */
  readonly stride: number;
}

/** The map settings plus how L_att reduces over positions. */
export interface NdamSettings extends NdamMapSettings {
  /** Required: a direct call must say which scale it means (runs get the schema's). */
  readonly reduction: 'mean' | 'sum';
}

/** Stops L2 normalisation from dividing by zero on an all-zero map (PyTorch's F.normalize eps). */
const NORM_EPS = 1e-12;

/** Zero padding of a k-window: ⌊(k − 1)/2⌋, so an odd window at stride 1 keeps the size and stride s divides it by s. */
const padding = (kernel: number) => Math.floor((kernel - 1) / 2);

/**
 * Height and width of the coarse map of an h×w feature, or a {@link KdInputError} naming `/distiller/ndam` when the
 * pooling does not tile the map: the weight reading spreads each coarse value back over an s×s block of positions,
 * so the map must be exactly (h/s)×(w/s).
 */
export function coarseMapSize(h: number, w: number, s: NdamMapSettings): [number, number] {
  if (s.kernel === 'global') return [1, 1];
  const k = s.kernel;
  const { stride } = s;
  const out = (n: number) => Math.floor((n + 2 * padding(k) - k) / stride) + 1;
  if (stride === 1 && k % 2 !== 1) {
    throw new KdInputError(`/distiller/ndam/kernel: got ${k}; expected an odd window so the map keeps its size at stride 1`);
  }
  if (k < stride || h % stride !== 0 || w % stride !== 0 || out(h) !== h / stride || out(w) !== w / stride) {
    throw new KdInputError(
      `/distiller/ndam/stride: a ${k}×${k} window at stride ${stride} does not tile a ${h}×${w} feature map into ${h / stride}×${w / stride} cells; pick a stride that divides ${h} and ${w} and a window of at least the stride`,
    );
  }
  return [h / stride, w / stride];
}

/**
 * The coarse-grained, sign-agnostic activation map of NHWC features, before normalisation: A = Σ_c |F_c|, then
 * a·AvgPool(A) + b·MaxPool(A). Windowed: k×k at stride s with zero padding ⌊(k − 1)/2⌋, padding counted in the
 * average (PyTorch AvgPool2d's default); zeros never win the max because A ≥ 0. Global: the mean and the maximum of
 * the whole map. Shape [batch, H/s, W/s] ([batch, 1, 1] when global).
 */
export function coarseActivationMap(features: tf.Tensor4D, s: NdamMapSettings): tf.Tensor3D {
  return tf.tidy(() => {
    const [, h, w] = features.shape;
    const [ho, wo] = coarseMapSize(h, w, s);
    // PyTorch's gradient of |F| (0 at 0): post-ReLU features are exactly 0 in many places
    const a = tf.sum(absLikeTorch(features), 3, true) as tf.Tensor4D;
    if (s.kernel === 'global') {
      const mixed = tf.add(tf.mul(tf.mean(a, [1, 2]), s.avgWeight), tf.mul(tf.max(a, [1, 2]), s.maxWeight));
      return tf.reshape(mixed, [-1, 1, 1]) as tf.Tensor3D;
    }
    const k = s.kernel;
    const { stride } = s;
    const p = padding(k);
    const padded =
      p > 0
        ? tf.pad(a, [
            [0, 0],
            [p, p],
            [p, p],
            [0, 0],
          ])
        : a;
    const mixed = tf.add(
      tf.mul(tf.avgPool(padded, k, stride, 'valid'), s.avgWeight),
      tf.mul(tf.maxPool(padded, k, stride, 'valid'), s.maxWeight),
    );
    return tf.reshape(mixed, [-1, ho, wo]) as tf.Tensor3D;
  });
}

/** The NDAM map: {@link coarseActivationMap} flattened per sample and divided by its L2 norm. Shape [batch, cells]. */
export function ndamMap(features: tf.Tensor4D, s: NdamMapSettings): tf.Tensor2D {
  return tf.tidy(() => {
    const [b] = features.shape;
    const flat = tf.reshape(coarseActivationMap(features, s), [b, -1]) as tf.Tensor2D;
    return tf.div(flat, tf.maximum(tf.norm(flat, 2, 1, true), NORM_EPS));
  });
}

/**
 * L_att: the squared difference of the normalised maps (teacher map held constant), averaged over the batch and
 * either summed over cells (`sum`, the squared L2 distance of two unit vectors, in [0, 4]) or averaged (`mean`).
 */
export function ndamLoss(student: tf.Tensor4D, teacher: tf.Tensor4D, s: NdamSettings): tf.Scalar {
  if (s.kernel === 'global') {
    throw new KdInputError(
      '/distiller/ndam/kernel: a global map is one number per sample, 1 after normalisation, so L_att is 0; use mode "weight"',
    );
  }
  return tf.tidy(() => {
    const sq = tf.squaredDifference(ndamMap(student, s), ndamMap(teacher, s));
    return (s.reduction === 'sum' ? tf.mean(tf.sum(sq, 1)) : tf.mean(sq)) as tf.Scalar;
  });
}

/**
 * The teacher's map as weights of the feature loss, rescaled to average 1 — over the positions of each sample for a
 * windowed map, over the batch for a global one — so a uniform map gives the plain MSE and the feature loss keeps its
 * scale. A strided map's cell weighs each position of its s×s block. Shape [b, H, W, 1] ([b, 1, 1, 1] when global).
 */
export function ndamWeights(teacher: tf.Tensor4D, s: NdamMapSettings): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w] = teacher.shape;
    const coarse = coarseActivationMap(teacher, s);
    if (s.kernel === 'global') {
      const v = tf.reshape(coarse, [b]);
      return tf.reshape(tf.div(v, tf.maximum(tf.mean(v), NORM_EPS)), [b, 1, 1, 1]) as tf.Tensor4D;
    }
    const [, ho, wo] = coarse.shape;
    const scaled = tf.reshape(tf.div(coarse, tf.maximum(tf.mean(coarse, [1, 2], true), NORM_EPS)), [b, ho, wo, 1]) as tf.Tensor4D;
    if (ho === h && wo === w) return scaled;
    const [sh, sw] = [h / ho, w / wo];
    const blocks = tf.tile(tf.reshape(scaled, [b, ho, 1, wo, 1]), [1, 1, sh, 1, sw]);
    return tf.reshape(blocks, [b, h, w, 1]) as tf.Tensor4D;
  });
}
