import { explainWasmFailure, isWasmFailure } from './wasm-failure.js';

/** Node's WebAssembly.RuntimeError (the spec's types do not include the WebAssembly namespace). */
const { RuntimeError } = (globalThis as unknown as { WebAssembly: { RuntimeError: new (message?: string) => Error } }).WebAssembly;

describe('explainWasmFailure', () => {
  it('says what a wasm trap in a step usually means and what to do; other errors pass unchanged', () => {
    const trap = new RuntimeError('memory access out of bounds');
    const explained = explainWasmFailure(trap) as Error;
    expect(explained).toBe(trap);
    expect(explained.message).toMatch(/^memory access out of bounds: the wasm backend's heap failed \(usually out of memory/);
    expect(explained.message).toContain('lower training.batchSize');
    // Explained once, however often it passes through.
    expect((explainWasmFailure(trap) as Error).message.match(/the wasm backend/g)).toHaveLength(1);
    const plain = new Error('something else');
    expect(explainWasmFailure(plain)).toBe(plain);
    expect(plain.message).toBe('something else');
    expect(isWasmFailure(trap)).toBe(true);
    expect(isWasmFailure(plain)).toBe(false);
  });
});
