import * as tf from '@tensorflow/tfjs-core';
import { setUpWasmBackend } from '@kd/backend-wasm';
import { loadNativeBinding, visibleNvidiaGpus } from './native-binding.js';
import { NATIVE_PACKAGES } from './select-backend.js';
import { silenceCpuBanner } from './cpu-banner.js';

/** One link of the chain `auto` walks (tfjs-node-gpu, tfjs-node, wasm, cpu) as it stands on this machine. */
export interface BackendProbe {
  readonly backend: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node' | 'wasm' | 'cpu';
  readonly state: 'not installed' | 'broken' | 'working';
  /** The loader's error for a broken one; what it runs on for a working one. */
  readonly detail: string;
  /** wasm: the compute threads (oneDNN's when it runs, else XNNPACK's). */
  readonly threads?: number;
  /** wasm: whether the convolutions run on oneDNN, and why not. */
  readonly oneDnn?: string;
}

async function activates(name: string): Promise<string | undefined> {
  try {
    if (!(await tf.setBackend(name))) return `the ${name} backend did not initialise`;
    await tf.ready();
    return tf.getBackend() === name ? undefined : `the ${name} backend did not initialise`;
  } catch (e) {
    return (e as Error).message.split('\n')[0];
  }
}

/**
 * Tries every backend of the `auto` chain in turn, activating each (so a later one is left active), for `kd doctor`:
 * unlike selectBackend, which stops at the first that works, every link is reported.
 */
export async function probeBackends(): Promise<BackendProbe[]> {
  await import('@tensorflow/tfjs-layers');
  const out: BackendProbe[] = [];
  for (const pkg of NATIVE_PACKAGES) {
    const b = await loadNativeBinding(pkg);
    if (b.state === 'not installed') out.push({ backend: pkg, state: 'not installed', detail: `npm install ${pkg}` });
    else if (b.state === 'broken') out.push({ backend: pkg, state: 'broken', detail: `${b.path}: ${b.error}` });
    else {
      const failed = await activates('tensorflow');
      const gpus = visibleNvidiaGpus();
      const on = pkg.endsWith('-gpu')
        ? gpus
          ? `CUDA on ${gpus} NVIDIA GPU${gpus === 1 ? '' : 's'}`
          : 'no NVIDIA GPU visible (/proc/driver/nvidia/gpus): TensorFlow runs every kernel on the CPU'
        : 'libtensorflow on the CPU';
      out.push(
        failed === undefined
          ? { backend: pkg, state: 'working', detail: `${b.path}; ${on}` }
          : { backend: pkg, state: 'broken', detail: `${b.path} loads, but ${failed}` },
      );
    }
  }
  try {
    const w = await setUpWasmBackend();
    const oneDnn = w.oneDnn.enabled
      ? `convolutions on oneDNN ${w.oneDnn.version} (${w.oneDnn.threads} thread${w.oneDnn.threads === 1 ? '' : 's'})`
      : `convolutions on XNNPACK: oneDNN ${w.oneDnn.reason}`;
    out.push({
      backend: 'wasm',
      state: 'working',
      detail: `${w.build}, ${w.threads} thread${w.threads === 1 ? '' : 's'}: ${w.reason}`,
      threads: w.oneDnn.enabled ? w.oneDnn.threads : w.threads,
      oneDnn,
    });
  } catch (e) {
    out.push({ backend: 'wasm', state: 'broken', detail: (e as Error).message.split('\n')[0] ?? String(e) });
  }
  try {
    await import('@tensorflow/tfjs-backend-cpu');
    const failed = await activates('cpu');
    silenceCpuBanner();
    out.push(
      failed === undefined
        ? { backend: 'cpu', state: 'working', detail: 'plain JavaScript, one thread: the slow fallback' }
        : { backend: 'cpu', state: 'broken', detail: failed },
    );
  } catch (e) {
    out.push({ backend: 'cpu', state: 'broken', detail: (e as Error).message.split('\n')[0] ?? String(e) });
  }
  return out;
}
