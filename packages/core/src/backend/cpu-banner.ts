import * as tf from '@tensorflow/tfjs-core';

/**
 * tfjs's cpu backend prints "install our node backend" on its first tensor in Node.js. kd chose cpu on purpose (or
 * says why it fell back, naming the real error of tfjs-node), so the banner is noise; it is printed once, guarded by a
 * field of the backend instance, which is set here as if it had been printed.
 */
export function silenceCpuBanner(): void {
  const backend = tf.findBackend('cpu') as { firstUse?: boolean } | null;
  if (backend && typeof backend.firstUse === 'boolean') backend.firstUse = false;
}
