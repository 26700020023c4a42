import * as tf from '@tensorflow/tfjs-core';
import { BATCH_NORM_TRAINING, BATCH_NORM_TRAINING_GRAD } from '../kernels/batch-norm-training.js';

/**
 * Gradient of `KdBatchNormTraining`: one `KdBatchNormTrainingGrad` call for all three inputs. The mean and variance
 * outputs usually feed only the moving averages, outside the tape, so their `dy` are the zeros tfjs fills in; they
 * are still honoured, so the op is differentiable through every output.
 */
export const batchNormTrainingGradConfig: tf.GradConfig = {
  kernelName: BATCH_NORM_TRAINING,
  inputsToSave: ['x', 'scale'],
  outputsToSave: [false, true, true],
  gradFunc: (dys, saved, attrs) => {
    const [dy, dMean, dVariance] = dys as tf.Tensor[];
    const [x, scale, mean, variance] = saved as tf.Tensor[];
    const [dx, dScale, dOffset] = tf
      .engine()
      .runKernel(
        BATCH_NORM_TRAINING_GRAD,
        { dy: dy!, x: x!, scale: scale!, mean: mean!, variance: variance!, dMean: dMean!, dVariance: dVariance! },
        attrs as unknown as tf.NamedAttrMap,
      ) as tf.Tensor[];
    return { x: () => dx!, scale: () => dScale!, offset: () => dOffset! };
  },
};
