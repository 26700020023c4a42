import * as tf from '@tensorflow/tfjs-core';
import { registerTrainingKernels } from '@kd/tfjs-kernels';
import { loadOneDnnAddon } from '../src/load-addon.js';
import { registerOneDnnKernels, unregisterOneDnnKernels } from '../src/register.js';

/**
 * Whether these tests can run: the addon is built on any machine with g++ and libdnnl-dev (`.ci/run` installs them).
 * Under CI a missing addon fails the suite rather than skipping it, like the browser tests.
 */
export function addonAvailable(): boolean {
  const load = loadOneDnnAddon();
  if (load.addon === null && process.env.CI === 'true') throw new Error(`@kd/tfjs-onednn: the addon is required under CI: ${load.reason}`);
  return load.addon !== null;
}

/** wasm with kd's training kernels (what oneDNN falls back on), with or without the oneDNN kernels on top. */
export async function useWasm(oneDnn: boolean): Promise<void> {
  if (!(await tf.setBackend('wasm'))) throw new Error('wasm did not initialise');
  await tf.ready();
  registerTrainingKernels('wasm');
  if (oneDnn) registerOneDnnKernels({ threads: 1 });
  else unregisterOneDnnKernels();
}
