import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { resolveWasmThreads, setUpWasmBackend, MAX_WASM_THREADS } from './index.js';

const here = fileURLToPath(new URL('.', import.meta.url));

/** Runs a script in a fresh Node process (the thread count is fixed once per process). */
function inChild(script: string, env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string; ms: number } {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--conditions=@kd/source', '--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: here,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - t0 };
}

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
