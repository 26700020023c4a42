import * as tf from '@tensorflow/tfjs-core';
import { registerTrainingKernels } from '@kd/tfjs-kernels';
import { setUpWasmBackend } from '@kd/backend-wasm';
import { KdInputError } from '../errors/errors.js';
import { loadNativeBinding, visibleNvidiaGpus, type NativeBinding } from './native-binding.js';
import { silenceCpuBanner } from './cpu-banner.js';

export type BackendName = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

export interface BackendChoice {
  /** The tfjs backend now active (`tensorflow`, `wasm` or `cpu`). */
  readonly name: string;
  /** Why it was chosen, and what was tried first. */
  readonly reason: string;
  /** Training kernels and gradient overrides registered for it. */
  readonly kernels: readonly string[];
  /** Compute threads of the backend where kd controls them (wasm: `KD_WASM_THREADS`, oneDNN's when it runs, else XNNPACK's). */
  readonly threads?: number;
  /** wasm: whether the convolutions run on oneDNN (`@kd/tfjs-onednn`), its version, or why not. */
  readonly oneDnn?: string;
}

export const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

/** Why a native binding did not give kd the tensorflow backend, in the words `tried` lists. */
function nativeFailure(b: NativeBinding): string {
  return b.state === 'not installed' ? 'not installed' : b.state === 'broken' ? `installed but failed to load: ${b.error}` : '';
}

async function activate(name: string): Promise<boolean> {
  try {
    return (await tf.setBackend(name)) && (await tf.ready(), tf.getBackend() === name);
  } catch {
    return false;
  }
}

/**
 * Picks and activates a backend. `auto`: tfjs-node-gpu or tfjs-node when installed and loadable (they are
 * optional: never a dependency), else wasm, else cpu. `KD_BACKEND` overrides the config.
 */
export async function selectBackend(requested: BackendName = 'auto'): Promise<BackendChoice> {
  const wanted = (process.env['KD_BACKEND'] as BackendName | undefined) ?? requested;
  if (!['auto', 'tensorflow', 'wasm', 'cpu'].includes(wanted))
    throw new KdInputError(`KD_BACKEND: got ${JSON.stringify(wanted)}; expected one of "auto", "tensorflow", "wasm", "cpu"`);
  // tfjs-core alone registers no gradients; the tfjs-layers bundle registers all of them when first loaded.
  // Loading it here, before the overrides below, keeps a later import from replacing the overrides.
  await import('@tensorflow/tfjs-layers');
  const tried: string[] = [];
  const withTried = (why: string) => (tried.length ? `${why} (tried: ${tried.join('; ')})` : why);
  const done = (name: string, why: string): BackendChoice => ({
    name,
    reason: withTried(why),
    kernels: registerTrainingKernels(name).registered,
  });
  if (wanted === 'auto' || wanted === 'tensorflow') {
    for (const pkg of NATIVE_PACKAGES) {
      const binding = await loadNativeBinding(pkg);
      if (binding.state === 'loaded' && (await activate('tensorflow'))) {
        const cpuOnly = pkg.endsWith('-gpu') && visibleNvidiaGpus() === 0 ? ' (no NVIDIA GPU visible: TensorFlow runs on the CPU)' : '';
        return done('tensorflow', `${pkg} is installed${cpuOnly}`);
      }
      tried.push(`${pkg}: ${binding.state === 'loaded' ? 'loaded but the tensorflow backend did not initialise' : nativeFailure(binding)}`);
    }
    if (wanted === 'tensorflow')
      throw new KdInputError(`backend "tensorflow" was requested, but no native TensorFlow binding loads: ${tried.join('; ')}`);
  }
  if (wanted === 'auto' || wanted === 'wasm') {
    // @kd/backend-wasm: tfjs's multi-threaded SIMD build in Node.js (stock tfjs uses one thread there) + kd's kernels.
    let why: string;
    try {
      const wasm = await setUpWasmBackend();
      const base = wanted === 'wasm' ? 'requested' : 'default portable backend';
      const detail = `${wasm.build}, ${wasm.threads} thread${wasm.threads === 1 ? '' : 's'}: ${wasm.reason}`;
      const oneDnn = wasm.oneDnn.enabled
        ? `convolutions on oneDNN ${wasm.oneDnn.version} (${wasm.oneDnn.threads} thread${wasm.oneDnn.threads === 1 ? '' : 's'})`
        : `convolutions on XNNPACK: oneDNN ${wasm.oneDnn.reason}`;
      // setUpWasmBackend has registered the training kernels already.
      // The compute threads: oneDNN's when it runs (XNNPACK then keeps one).
      const threads = wasm.oneDnn.enabled ? wasm.oneDnn.threads : wasm.threads;
      return { name: 'wasm', reason: withTried(`${base}; ${detail}; ${oneDnn}`), kernels: wasm.kernels, threads, oneDnn };
    } catch (e) {
      if (e instanceof RangeError) throw new KdInputError(e.message);
      why = (e as Error).message.split('\n')[0] ?? String(e);
    }
    tried.push(`wasm: ${why}`);
    if (wanted === 'wasm') throw new KdInputError(`backend "wasm" was requested but could not start: ${tried.join('; ')}`);
  }
  let err: string | undefined;
  try {
    await import('@tensorflow/tfjs-backend-cpu');
  } catch (e) {
    err = (e as Error).message.split('\n')[0] ?? String(e);
  }
  if (err === undefined && (await activate('cpu'))) {
    silenceCpuBanner();
    return done('cpu', wanted === 'cpu' ? 'requested' : 'fallback');
  }
  throw new Error(`no TensorFlow.js backend could start (tried: ${[...tried, `cpu: ${err ?? 'did not initialise'}`].join('; ')})`);
}
