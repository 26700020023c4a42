/**
 * A WebAssembly trap in a training step (`Aborted()`, `memory access out of bounds`) says little to a user: in
 * practice the wasm heap ran out — wasm32 addresses at most 4 GB, and a large teacher with a method's extra modules
 * at batch 64 can need more — or, rarely, a kernel wrote past its buffers. Either way the heap can no longer be
 * trusted, so the run stops with what to do, and nothing else is freed through it.
 */
export function explainWasmFailure(e: unknown): unknown {
  if (!isWasmFailure(e) || e.message.includes('the wasm backend')) return e;
  e.message =
    `${e.message}: the wasm backend's heap failed (usually out of memory: wasm addresses at most 4 GB; ` +
    'lower training.batchSize, or train on @tensorflow/tfjs-node or tfjs-node-gpu)';
  return e;
}

// Node's global, typed here because core's library types do not include the WebAssembly namespace.
const WasmRuntimeError = (globalThis as unknown as { WebAssembly?: { RuntimeError: new (message?: string) => Error } }).WebAssembly
  ?.RuntimeError;

export function isWasmFailure(e: unknown): e is Error {
  return WasmRuntimeError !== undefined && e instanceof WasmRuntimeError;
}
