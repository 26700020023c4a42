import type * as tf from '@tensorflow/tfjs-core';

/**
 * A kernel of kd's that handles some cases itself and hands every other one to the backend's stock kernel
 * (`previous`, the kernel it replaces), which must exist. `kernelFunc` gets the call's arguments and that kernel.
 */
export function fallbackKernel(
  kernelName: string,
  backendName: string,
  previous: tf.KernelConfig | undefined,
  kernelFunc: (args: Parameters<tf.KernelFunc>[0], stock: tf.KernelFunc) => ReturnType<tf.KernelFunc>,
): tf.KernelConfig {
  if (previous === undefined) throw new Error(`@kd/tfjs-kernels: backend '${backendName}' has no ${kernelName} kernel to delegate to`);
  const stock: tf.KernelFunc = (args) => previous.kernelFunc(args);
  return { kernelName, backendName, kernelFunc: (args) => kernelFunc(args, stock) };
}
