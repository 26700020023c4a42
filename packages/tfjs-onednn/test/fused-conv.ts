import * as tf from '@tensorflow/tfjs-core';
import type { ConvCase } from './cases.js';

export interface FusedExtras {
  /** Multiplies the filter, so that activations with an upper clip (relu6) reach it. */
  readonly scale?: number;
  readonly bias?: Float32Array;
  readonly activation: 'linear' | 'relu' | 'relu6' | 'leakyrelu';
  readonly leakyreluAlpha?: number;
}

/** The output of tfjs's fused convolution (conv2d, or depthwiseConv2d for a depthwise case) on one case. */
export function fusedConvOutput(c: ConvCase, { scale, bias, activation, leakyreluAlpha }: FusedExtras): Float32Array {
  return tf.tidy(() => {
    const filter = tf.tensor4d(c.filter, c.filterShape);
    const args = {
      x: tf.tensor4d(c.x, c.xShape),
      filter: scale === undefined ? filter : (tf.mul(filter, scale) as tf.Tensor4D),
      strides: c.strides,
      dilations: c.dilations,
      bias: bias && tf.tensor1d(bias),
      activation,
      leakyreluAlpha,
    };
    // tfjs types the depthwise padding narrower than the conv2d one; the cases give it what it takes.
    const y = c.depthwise ? tf.fused.depthwiseConv2d({ ...args, pad: c.pad as 'same' }) : tf.fused.conv2d({ ...args, pad: c.pad });
    return y.dataSync() as Float32Array;
  });
}
