import { resolveWasmThreads, MAX_WASM_THREADS } from './index.js';

describe('resolveWasmThreads', () => {
  it('takes the option, then KD_WASM_THREADS, and names the bad value', () => {
    expect(resolveWasmThreads(3)).toBe(3);
    expect(() => resolveWasmThreads(0)).toThrow(/threads: got 0; expected a whole number from 1 to 8/);
    expect(() => resolveWasmThreads(1.5)).toThrow(/threads: got 1.5/);
    const saved = process.env['KD_WASM_THREADS'];
    try {
      process.env['KD_WASM_THREADS'] = '2';
      expect(resolveWasmThreads()).toBe(2);
      process.env['KD_WASM_THREADS'] = 'two';
      expect(() => resolveWasmThreads()).toThrow(/KD_WASM_THREADS: got "two"; expected a whole number from 1 to 8/);
    } finally {
      if (saved === undefined) delete process.env['KD_WASM_THREADS'];
      else process.env['KD_WASM_THREADS'] = saved;
    }
    expect(MAX_WASM_THREADS).toBe(8);
  });
});
