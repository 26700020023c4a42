import type * as tf from '@tensorflow/tfjs-core';

/** Geometries oneDNN refused once, by operation and geometry: not tried again. */
export type Refusals = Set<string>;

/** Hands the call to the kernel this package replaced. */
export function fallback(previous: tf.KernelConfig | undefined, name: string, args: Parameters<tf.KernelFunc>[0]) {
  if (previous === undefined) throw new Error(`@kd/tfjs-onednn: oneDNN cannot run this ${name} and the wasm backend has no ${name} kernel to fall back on`);
  return previous.kernelFunc(args);
}
