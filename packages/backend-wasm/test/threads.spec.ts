import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const pkg = fileURLToPath(new URL('..', import.meta.url));

interface ChildResult {
  info: { name: string; threads: number; build?: string; kernels?: string[] };
  before: number;
  after: number;
  bytes: string;
  values: number[];
}

/** Each run is a fresh process: the XNNPACK thread count is fixed once per process. */
function trainInChild(threads: number, backend = 'wasm'): ChildResult {
  const r = spawnSync(
    process.execPath,
    ['--conditions=@kd/source', '--import', '@swc-node/register/esm-register', 'test/train-step.child.mjs', String(threads), backend],
    { cwd: pkg, encoding: 'utf8', timeout: 120_000, env: { ...process.env, KD_WASM_THREADS: '' } },
  );
  // A status of null means the timeout killed it: the pthread workers kept the process alive.
  expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr.slice(-2000) }).toEqual({ status: 0, stderr: '' });
  const line = r.stdout.trim().split('\n').pop()!;
  return JSON.parse(line) as ChildResult;
}

describe('multi-threaded wasm in Node.js', () => {
  const two = trainInChild(2);
  const one = trainInChild(1);

  it('starts tfjs’s threaded SIMD build with the threads asked for, and the stock build for one thread', () => {
    expect(two.info).toMatchObject({ name: 'wasm', threads: 2, build: 'threaded-simd' });
    expect(one.info).toMatchObject({ name: 'wasm', threads: 1, build: 'simd' });
    expect(two.info.kernels).toContain('kernel:Conv2DBackpropFilter');
  });

  it('trains to the same bytes with one thread or two (XNNPACK splits outputs, not sums)', () => {
    expect(two.bytes).toBe(one.bytes);
  });

  it('agrees with the cpu backend', () => {
    const cpu = trainInChild(1, 'cpu');
    expect(two.values.length).toBe(cpu.values.length);
    let worst = 0;
    for (let i = 0; i < cpu.values.length; i++)
      worst = Math.max(worst, Math.abs(two.values[i]! - cpu.values[i]!) / (Math.abs(cpu.values[i]!) + 1e-3));
    expect(worst).toBeLessThan(1e-4);
  });

  it('leaks no tensor across steps', () => {
    expect(two.after).toBe(two.before);
  });
});
