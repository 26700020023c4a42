export {
  setUpWasmBackend,
  resolveWasmThreads,
  MAX_WASM_THREADS,
  type WasmBackendOptions,
  type WasmBackendInfo,
} from './set-up-wasm-backend.js';
