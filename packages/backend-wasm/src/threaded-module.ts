import { createRequire } from 'node:module';
import * as os from 'node:os';
import { dirname, join } from 'node:path';
import { writeWorkerScript } from './worker-script.js';

const require = createRequire(import.meta.url);

/** The parts of tfjs's Emscripten module that this package touches. */
export interface ThreadedWasmModule {
  cwrap(name: string, returnType: string | null, argTypes: string[]): (...args: number[]) => unknown;
  PThread: { runningWorkers: { unref(): void }[]; unusedWorkers: { unref(): void }[] };
  tfjs?: Record<string, (...args: number[]) => unknown>;
}

type Factory = (config: Record<string, unknown>) => Promise<ThreadedWasmModule>;

const THREADED = 'tfjs-backend-wasm-threaded-simd';

/** Where `@tensorflow/tfjs-backend-wasm` keeps its Emscripten builds. */
export function wasmOutDir(): string {
  return dirname(require.resolve(`@tensorflow/tfjs-backend-wasm/wasm-out/${THREADED}.js`));
}

/**
 * Instantiates tfjs's multi-threaded SIMD build in Node.js (tfjs itself only uses it in browsers: tensorflow/tfjs#3830).
 *
 * Two things stand in the way, and both are handled here rather than by patching tfjs:
 * - the pthread worker script: written to a file (see {@link writeWorkerScript}), and the main script handed to
 *   workers as a path they can `importScripts` (the Node shim in the worker reads and evaluates it);
 * - the thread count: tfjs clamps the XNNPACK pool to `emscripten_num_logical_cores() / 2`, which in Node is
 *   `os.cpus().length / 2` — one thread on a 2-core machine whatever is asked. While the module starts and the pool
 *   is created, `os.cpus()` reports `2 × threads` entries; it is restored before this returns.
 *
 * `createBackend` runs inside that window, so the pool it creates gets `threads` threads. The pthread workers are
 * unref'd afterwards: they would otherwise keep the process alive after its work is done.
 */
export async function instantiateThreadedWasm<T>(
  threads: number,
  createBackend: (module: ThreadedWasmModule) => T,
): Promise<{ backend: T; module: ThreadedWasmModule }> {
  const dir = wasmOutDir();
  const factory = require(join(dir, `${THREADED}.js`)) as Factory;
  const { wasmWorkerContents } = require(join(dir, `${THREADED}.worker.js`)) as { wasmWorkerContents: string };
  const workerPath = writeWorkerScript(wasmWorkerContents);
  const osModule = require('node:os') as typeof os & { cpus: typeof os.cpus };
  const realCpus = osModule.cpus;
  osModule.cpus = () => {
    const cpus = realCpus();
    const first = cpus[0];
    if (first === undefined) return cpus;
    return Array.from({ length: Math.max(cpus.length, 2 * threads) }, (_, i) => cpus[i] ?? first);
  };
  try {
    const module = await factory({
      locateFile: (path: string) => (path.endsWith('.worker.js') ? workerPath : join(dir, path)),
      mainScriptUrlOrBlob: join(dir, `${THREADED}.js`),
    });
    module.tfjs = {
      init: module.cwrap('init', null, []),
      initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
      getThreadsCount: module.cwrap('get_threads_count', 'number', []),
      registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
      disposeData: module.cwrap('dispose_data', null, ['number']),
      dispose: module.cwrap('dispose', null, []),
    };
    const backend = createBackend(module);
    for (const worker of module.PThread.runningWorkers) worker.unref();
    return { backend, module };
  } finally {
    osModule.cpus = realCpus;
  }
}
