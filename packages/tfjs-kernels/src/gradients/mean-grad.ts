import * as tf from '@tensorflow/tfjs-core';

/**
 * Gradient of `Mean`, tfjs-core's with the division moved onto the small tensor: tfjs-core divides the full-size
 * broadcast `dy · ones(x.shape)` by the count, one more pass over an activation for each of the two means of every
 * training-mode batch norm (`tf.moments`). Dividing `dy` first gives the same bits — (dy / n) · 1 = (dy · 1) / n.
 */
export const meanGradConfig: tf.GradConfig = {
  kernelName: 'Mean',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor];
    const { axis } = attrs as unknown as { axis: number | number[] };
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const [, reduceShape] = tf.backend_util.computeOutAndReduceShapes(x.shape, axes);
    const count = tf.util.sizeFromShape(reduceShape);
    const expanded = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    return { x: () => tf.mul(tf.reshape(tf.div(dy as tf.Tensor, tf.scalar(count)), expanded), tf.ones(x.shape, 'float32')) };
  },
};
