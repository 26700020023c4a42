export {
  registerTrainingKernels,
  unregisterTrainingKernels,
  TRAINING_KERNEL_BACKENDS,
  type TrainingKernelBackend,
  type TrainingKernelsResult,
} from './register.js';
export { batchNormTraining, hasBatchNormTraining, type BatchNormTrainingResult } from './ops/batch-norm-training.js';
export { BATCH_NORM_TRAINING, BATCH_NORM_TRAINING_GRAD, type BatchNormTrainingAttrs } from './kernels/batch-norm-training.js';
export { sgdUpdate, hasSgdUpdate } from './ops/sgd-update.js';
export { SGD_UPDATE, sgdUpdateInPlace, type SgdUpdateAttrs } from './kernels/sgd-update.js';
export { RELU_GRAD } from './kernels/relu-grad.js';
export { KernelSwap } from './kernel-swap.js';
