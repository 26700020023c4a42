import * as tf from '@tensorflow/tfjs-core';
import { readFloats, writeFloats } from './host-data.js';

/** Kernel names of kd's whole training-mode batch norm (not in tfjs-core: tfjs builds it from ~20 kernels). */
export const BATCH_NORM_TRAINING = 'KdBatchNormTraining';
export const BATCH_NORM_TRAINING_GRAD = 'KdBatchNormTrainingGrad';

export interface BatchNormTrainingAttrs {
  readonly epsilon: number;
}

type Info = tf.TensorInfo;
type Args = Parameters<tf.KernelFunc>[0];
type Backend = tf.KernelBackend;

const read = (backend: Backend, t: Info | undefined): Float32Array | undefined => (t === undefined ? undefined : readFloats(backend, t));

function checkInputs(name: string, x: Info, vectors: Record<string, Info | undefined>): number {
  const channels = x.shape[x.shape.length - 1]!;
  if (x.dtype !== 'float32') throw new Error(`${name}: x must be float32, got ${x.dtype}`);
  for (const [key, t] of Object.entries(vectors)) {
    if (t !== undefined && (t.shape.length !== 1 || t.shape[0] !== channels || t.dtype !== 'float32'))
      throw new Error(`${name}: ${key} must be a float32 vector of ${channels} (x's last axis), got ${t.dtype} [${t.shape.join(', ')}]`);
  }
  return channels;
}

/**
 * Per-channel Σa and Σa·(b − shift) (or Σ(a − shift)² without b) in double over the rows of [rows, channels] data —
 * the addon's arithmetic (`native/kd_onednn.cc` in @kd/tfjs-onednn), so that both paths agree to float32 rounding.
 */
function moments(a: Float32Array, b: Float32Array | undefined, shift: ArrayLike<number>, channels: number): [Float64Array, Float64Array] {
  const s1 = new Float64Array(channels);
  const s2 = new Float64Array(channels);
  for (let i = 0; i < a.length; i += channels) {
    for (let k = 0; k < channels; k++) {
      const v = a[i + k]!;
      s1[k] += v;
      const d = b === undefined ? v - shift[k]! : b[i + k]! - shift[k]!;
      s2[k] += b === undefined ? d * d : v * d;
    }
  }
  return [s1, s2];
}

/**
 * `KdBatchNormTraining` (x [..., C], scale [C], offset [C]; epsilon) → [y, mean, variance]: the batch's per-channel
 * mean and biased variance over every axis but the last, and y = (x − mean)·scale/√(variance + ε) + offset — what
 * tfjs-layers' BatchNormalization computes in training mode (`tf.moments` + `FusedBatchNorm`), in one kernel. The
 * variance is taken around the first row (shifted data), so a large mean does not cancel it away.
 */
export function batchNormTrainingKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: BATCH_NORM_TRAINING,
    backendName,
    kernelFunc: ({ inputs, attrs, backend: b }: Args) => {
      const backend = b as Backend;
      const { x, scale, offset } = inputs as Record<string, Info | undefined>;
      const { epsilon } = attrs as unknown as BatchNormTrainingAttrs;
      const channels = checkInputs(BATCH_NORM_TRAINING, x!, { scale, offset });
      const xs = read(backend, x)!;
      const g = read(backend, scale);
      const beta = read(backend, offset);
      const rows = xs.length / channels;
      const [s1, s2] = moments(xs, undefined, xs, channels);
      const mean = new Float32Array(channels);
      const variance = new Float32Array(channels);
      const mul = new Float32Array(channels);
      const add = new Float32Array(channels);
      for (let k = 0; k < channels; k++) {
        const d = s1[k]! / rows - xs[k]!;
        const v = Math.max(0, s2[k]! / rows - d * d);
        mean[k] = xs[k]! + d;
        variance[k] = v;
        mul[k] = (g ? g[k]! : 1) / Math.sqrt(v + epsilon);
        add[k] = beta ? beta[k]! : 0;
      }
      const y = new Float32Array(xs.length);
      for (let i = 0; i < xs.length; i += channels)
        for (let k = 0; k < channels; k++) y[i + k] = Math.fround(Math.fround(xs[i + k]! - mean[k]!) * mul[k]!) + add[k]!;
      return [writeFloats(backend, [...x!.shape], y), writeFloats(backend, [channels], mean), writeFloats(backend, [channels], variance)];
    },
  };
}

/**
 * `KdBatchNormTrainingGrad` (dy, x, scale, mean, variance, dMean, dVariance; epsilon) → [dx, dScale, dOffset]: the
 * gradient of {@link batchNormTrainingKernel} through all three of its outputs. With σ̂ = 1/√(variance + ε), n rows:
 *   dx = scale·σ̂·dy + (x − mean)·(2·dVariance − scale·σ̂³·Σdy(x − mean))/n + (dMean − scale·σ̂·Σdy)/n,
 *   dScale = σ̂·Σdy(x − mean), dOffset = Σdy.
 */
export function batchNormTrainingGradKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: BATCH_NORM_TRAINING_GRAD,
    backendName,
    kernelFunc: ({ inputs, attrs, backend: b }: Args) => {
      const backend = b as Backend;
      const { dy, x, scale, mean, variance, dMean, dVariance } = inputs as Record<string, Info | undefined>;
      const { epsilon } = attrs as unknown as BatchNormTrainingAttrs;
      const channels = checkInputs(BATCH_NORM_TRAINING_GRAD, x!, { scale, mean, variance, dMean, dVariance });
      if (!tf.util.arraysEqual(dy!.shape, x!.shape))
        throw new Error(`${BATCH_NORM_TRAINING_GRAD}: dy must have x's shape [${x!.shape.join(', ')}], got [${dy!.shape.join(', ')}]`);
      const dys = read(backend, dy)!;
      const xs = read(backend, x)!;
      const g = read(backend, scale);
      const mu = read(backend, mean)!;
      const v = read(backend, variance)!;
      const dm = read(backend, dMean);
      const dv = read(backend, dVariance);
      const rows = xs.length / channels;
      const [sdy, sdyx] = moments(dys, xs, mu, channels);
      const m = new Float32Array(channels);
      const q = new Float32Array(channels);
      const add = new Float32Array(channels);
      const dScale = new Float32Array(channels);
      const dOffset = new Float32Array(channels);
      for (let k = 0; k < channels; k++) {
        const inv = 1 / Math.sqrt(v[k]! + epsilon);
        const gk = g ? g[k]! : 1;
        m[k] = gk * inv;
        q[k] = (2 * (dv ? dv[k]! : 0) - gk * inv * inv * inv * sdyx[k]!) / rows;
        add[k] = ((dm ? dm[k]! : 0) - gk * inv * sdy[k]!) / rows;
        dScale[k] = inv * sdyx[k]!;
        dOffset[k] = sdy[k]!;
      }
      const dx = new Float32Array(xs.length);
      for (let i = 0; i < xs.length; i += channels)
        for (let k = 0; k < channels; k++) dx[i + k] = dys[i + k]! * m[k]! + Math.fround(xs[i + k]! - mu[k]!) * q[k]! + add[k]!;
      return [writeFloats(backend, [...x!.shape], dx), writeFloats(backend, [channels], dScale), writeFloats(backend, [channels], dOffset)];
    },
  };
}
