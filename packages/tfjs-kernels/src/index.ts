export {
  registerTrainingKernels,
  unregisterTrainingKernels,
  TRAINING_KERNEL_BACKENDS,
  type TrainingKernelBackend,
  type TrainingKernelsResult,
} from './register.js';
