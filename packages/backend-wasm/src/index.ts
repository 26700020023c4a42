export {
  setUpWasmBackend,
  resolveWasmThreads,
  MAX_WASM_THREADS,
  type WasmBackendOptions,
  type WasmBackendInfo,
  type OneDnnStatus,
} from './set-up-wasm-backend.js';
