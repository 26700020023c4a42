import * as tf from '@tensorflow/tfjs-core';
import { availableParallelism } from 'node:os';
import { registerTrainingKernels } from '@kd/tfjs-kernels';
import { instantiateThreadedWasm } from './threaded-module.js';

export interface WasmBackendOptions {
  /**
   * Compute threads, the calling thread included. Default: `KD_WASM_THREADS`, else the number of cores this process
   * may use (`os.availableParallelism()`), at most {@link MAX_WASM_THREADS}. They go to oneDNN when it runs (XNNPACK
   * then keeps one thread: see {@link setUpWasmBackend}), else to XNNPACK; 1 gives tfjs's stock single-threaded SIMD
   * build.
   */
  readonly threads?: number;
  /**
   * Run the convolutions, batch norms and the other heavy kernels on the `@kd/tfjs-onednn` addon when it is built:
   * AVX-512/AVX2 instead of 128-bit wasm SIMD, on `threads` OpenMP threads. Default: on, unless `KD_ONEDNN=0`.
   */
  readonly oneDnn?: boolean;
}

/** Whether the convolutions run on oneDNN, and why not when they do not. */
export type OneDnnStatus =
  { readonly enabled: true; readonly version: string; readonly threads: number } | { readonly enabled: false; readonly reason: string };

export interface WasmBackendInfo {
  readonly name: 'wasm';
  /** XNNPACK threads actually in use (1 when oneDNN runs: the threads are oneDNN's, `oneDnn.threads`). */
  readonly threads: number;
  /** Which tfjs build runs. */
  readonly build: 'threaded-simd' | 'simd' | 'plain';
  /** How it came to be: requested threads, fallbacks, reuse of an already started backend. */
  readonly reason: string;
  /** What `registerTrainingKernels('wasm')` (and the oneDNN kernels, when enabled) put in place. */
  readonly kernels: readonly string[];
  readonly oneDnn: OneDnnStatus;
}

/** tfjs's Emscripten build pre-starts 8 pthread workers; more would each be started on demand. */
export const MAX_WASM_THREADS = 8;

const BRAND = Symbol.for('@kd/backend-wasm');
const WASM_PRIORITY = 2;

/** Which build a backend this package created runs, and why it fell back; tfjs itself knows only the thread count. */
interface Branded {
  [BRAND]?: { build: WasmBackendInfo['build']; fallback?: string };
}

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/** Reads `threads` (option, then `KD_WASM_THREADS`), rejecting anything but a whole number in [1, MAX]. */
export function resolveWasmThreads(option?: number): number {
  const env = typeof process !== 'undefined' ? process.env['KD_WASM_THREADS'] : undefined;
  const [value, source] =
    option !== undefined ? [option, 'threads'] : env !== undefined && env !== '' ? [Number(env), 'KD_WASM_THREADS'] : [undefined, ''];
  if (value === undefined) return Math.min(MAX_WASM_THREADS, Math.max(1, isNode() ? availableParallelism() : 1));
  if (!Number.isInteger(value) || value < 1 || value > MAX_WASM_THREADS)
    throw new RangeError(
      `${source}: got ${JSON.stringify(source === 'KD_WASM_THREADS' ? env : option)}; expected a whole number from 1 to ${MAX_WASM_THREADS}`,
    );
  return value;
}

async function loadStock(): Promise<typeof import('@tensorflow/tfjs-backend-wasm')> {
  return import('@tensorflow/tfjs-backend-wasm');
}

/**
 * Registers the `wasm` backend factory: in Node.js with `threads > 1`, tfjs's multi-threaded SIMD build (see
 * `instantiateThreadedWasm`); otherwise tfjs's stock factory. Falls back to the stock build, with the reason kept,
 * when the threaded one cannot start (no `worker_threads`, no shared memory).
 */
async function registerFactory(threads: number): Promise<void> {
  const stock = await loadStock();
  tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    async () => {
      if (threads > 1 && isNode()) {
        try {
          const { backend } = await instantiateThreadedWasm(threads, (module) => {
            stock.setThreadsCount(threads);
            return new stock.BackendWasm(module as never);
          });
          return Object.assign(backend, { [BRAND]: { build: 'threaded-simd' } });
        } catch (e) {
          return stockBackend(stock, 1, `the threaded build did not start (${(e as Error).message ?? String(e)}); using one thread`);
        }
      }
      return stockBackend(stock, threads);
    },
    WASM_PRIORITY,
  );
}

async function stockBackend(
  stock: typeof import('@tensorflow/tfjs-backend-wasm'),
  threads: number,
  fallback?: string,
): Promise<tf.KernelBackend> {
  // tfjs's own factory, kept from its registration at import: the single-threaded SIMD (or plain) build in Node.
  stock.setThreadsCount(threads);
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
  const backend = (await stockFactory!()) as tf.KernelBackend & Branded;
  backend[BRAND] = { build: simd ? 'simd' : 'plain', ...(fallback ? { fallback } : {}) };
  return backend;
}

let stockFactory: (() => Promise<tf.KernelBackend>) | undefined;

/**
 * Makes `wasm` the active backend, set up for training: multi-threaded XNNPACK in Node.js (both cores of a 2-core
 * machine instead of one) and the training kernels of `@kd/tfjs-kernels`. Returns what runs and why.
 *
 * A wasm backend that is already running is kept (its tensors stay valid) and reported as it is: the thread count is
 * fixed when the backend starts, so set it before the first wasm operation of the process.
 */
export async function setUpWasmBackend(options: WasmBackendOptions = {}): Promise<WasmBackendInfo> {
  const threads = resolveWasmThreads(options.threads);
  const running = tf.engine().registry['wasm'] as (tf.KernelBackend & Branded) | undefined;
  const addon = await loadOneDnn(options.oneDnn);
  let reason: string;
  if (running === undefined) {
    if (stockFactory === undefined) {
      await loadStock();
      const registered = tf.findBackendFactory('wasm');
      if (registered === null) throw new Error('@tensorflow/tfjs-backend-wasm did not register a wasm backend');
      stockFactory = registered as () => Promise<tf.KernelBackend>;
    }
    // With the addon, the threads are oneDNN's (OpenMP) and XNNPACK keeps one: what is left on XNNPACK (residual adds,
    // the classifier, pooling) is small, and a second pool's workers, spinning between calls, took the cores from
    // OpenMP's — measured 1.2–1.5× faster per resnet20 step this way (docs/performance.md, step 11).
    await registerFactory(addon.module ? 1 : threads);
    reason = `${threads} thread${threads === 1 ? '' : 's'} requested${addon.module && threads > 1 ? ', for oneDNN (XNNPACK: 1)' : ''}`;
  } else {
    reason = 'already running in this process (threads are fixed when it starts)';
  }
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialise');
  await tf.ready();
  const brand = (tf.backend() as tf.KernelBackend & Branded)[BRAND] ?? { build: 'simd' as const };
  if (brand.fallback) reason = `${reason}; ${brand.fallback}`;
  const { registered } = registerTrainingKernels('wasm');
  // tfjs records the pool size the running backend really got.
  const runningThreads = (await loadStock()).getThreadsCount();
  const oneDnn = addon.module ? addon.module.registerOneDnnKernels({ threads }) : { enabled: false as const, reason: addon.reason };
  const kernels = oneDnn.enabled ? [...registered, ...oneDnn.registered.map((k) => `onednn:${k}`)] : registered;
  const status: OneDnnStatus = oneDnn.enabled
    ? { enabled: true, version: oneDnn.version, threads: oneDnn.threads }
    : { enabled: false, reason: oneDnn.reason };
  return { name: 'wasm', threads: runningThreads, build: brand.build, reason, kernels, oneDnn: status };
}

/**
 * `@kd/tfjs-onednn` when its addon loads, else why not. Loaded lazily: it is a native addon that builds only where
 * g++ and libdnnl-dev are installed. Its kernels are registered once the wasm backend runs (they wrap wasm's).
 */
async function loadOneDnn(option: boolean | undefined): Promise<{ module: typeof import('@kd/tfjs-onednn') | null; reason: string }> {
  if (option === false) return { module: null, reason: 'switched off (oneDnn: false)' };
  if (!isNode()) return { module: null, reason: 'not in Node.js' };
  try {
    const module = await import('@kd/tfjs-onednn');
    // Says why not, KD_ONEDNN=0 included.
    const load = module.loadOneDnnAddon();
    return load.addon === null ? { module: null, reason: load.reason } : { module, reason: '' };
  } catch (e) {
    return { module: null, reason: `@kd/tfjs-onednn did not load (${(e as Error).message})` };
  }
}
