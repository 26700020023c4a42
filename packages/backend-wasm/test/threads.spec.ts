import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const pkg = fileURLToPath(new URL('..', import.meta.url));

interface ChildResult {
  info: { name: string; threads: number; build?: string; kernels?: string[]; oneDnn?: { enabled: boolean; threads?: number } };
  before: number;
  after: number;
  bytes: string;
  values: number[];
}

/** Each run is a fresh process: the XNNPACK thread count is fixed once per process. */
function trainInChild(threads: number, backend = 'wasm', oneDnn = false): ChildResult {
  const r = spawnSync(
    process.execPath,
    ['--conditions=@kd/source', '--import', '@swc-node/register/esm-register', 'test/train-step.child.mjs', String(threads), backend],
    { cwd: pkg, encoding: 'utf8', timeout: 120_000, env: { ...process.env, KD_WASM_THREADS: '', KD_ONEDNN: oneDnn ? '' : '0' } },
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

/** With `@kd/tfjs-onednn` built (g++ and libdnnl-dev; CI has them), the convolutions run on oneDNN. */
const oneDnnBuilt = (() => {
  try {
    return existsSync(fileURLToPath(new URL('../../tfjs-onednn/build/kd_onednn.node', import.meta.url)));
  } catch {
    return false;
  }
})();

describe.skipIf(!oneDnnBuilt && process.env['CI'] !== 'true')('with the convolutions on oneDNN', () => {
  const two = trainInChild(2, 'wasm', true);

  it('says so, with the thread count it gave oneDNN; XNNPACK keeps one thread (the stock build)', () => {
    expect(two.info).toMatchObject({ threads: 1, build: 'simd', oneDnn: { enabled: true, threads: 2 } });
    expect(two.info.kernels).toContain('onednn:kernel:Conv2DBackpropFilter');
  });

  it('trains to the same bytes again with the same thread count', () => {
    expect(trainInChild(2, 'wasm', true).bytes).toBe(two.bytes);
  });

  it('agrees with one thread and with XNNPACK to 1e-5 (oneDNN splits the filter gradient’s sums by thread)', () => {
    const worst = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!) / (Math.abs(b[i]!) + 1e-3)));
    expect(worst(trainInChild(1, 'wasm', true).values, two.values)).toBeLessThan(1e-5);
    expect(worst(trainInChild(2).values, two.values)).toBeLessThan(1e-5);
  });
});
