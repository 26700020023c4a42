import * as tf from '@tensorflow/tfjs-core';
import { RELU_GRAD } from '../kernels/relu-grad.js';

/** Gradient of `Relu` as one `KdReluGrad` kernel: tfjs-core's `dy · step(x)` without the full-size step tensor. */
export const reluGradConfig: tf.GradConfig = {
  kernelName: 'Relu',
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved as [tf.Tensor];
    return { x: () => tf.engine().runKernel(RELU_GRAD, { dy: dy as tf.Tensor, x }, {}) as tf.Tensor };
  },
};
