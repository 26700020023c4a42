import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describeOnBackends, FIXTURE_ERRORS_ENV, type BackendChecks } from './describe-on-backends.js';
import { describeCases, fixtureCases } from './fixture-cases.js';

const seen: { backend: string; active: string; tol: number }[] = [];
let checks: BackendChecks | undefined;
const errorsFile = join(mkdtempSync(join(tmpdir(), 'kd-backends-')), 'errors.jsonl');
const previousEnv = process.env[FIXTURE_ERRORS_ENV];

beforeAll(async () => {
  process.env[FIXTURE_ERRORS_ENV] = errorsFile;
  await tf.setBackend('cpu');
  await tf.ready();
});

describeOnBackends('probe', { cpu: 1e-5, wasm: 1e-4 }, (b) => {
  it('runs each block on the backend it names, with its tolerance', () => {
    seen.push({ backend: b.backend, active: tf.getBackend(), tol: b.tol });
    checks = b;
    // 1 + 5e-6 is within 1e-5 of 1; 1 + 5e-5 only within 1e-4
    b.value(1 + 5e-6, 1, 'close');
    b.gradient([2, 4 + 2e-5], [2, 4], 'close gradient');
    if (b.backend === 'wasm') b.value(1 + 5e-5, 1, 'wasm only');
    else expect(() => b.value(1 + 5e-5, 1, 'too far for cpu')).toThrow(/too far for cpu on cpu/);
    expect(() => b.gradient([NaN], [1], 'nan')).toThrow(/NaN/);
    expect(() => b.value(1.5, 1, 'loosened', 1)).not.toThrow();
  });
});

describe('after the blocks', () => {
  it('ran cpu then wasm, each active during its block, and restored the backend that was active before', () => {
    expect(seen).toEqual([
      { backend: 'cpu', active: 'cpu', tol: 1e-5 },
      { backend: 'wasm', active: 'wasm', tol: 1e-4 },
    ]);
    // wasm ran last: cpu is active again only because the block put it back
    expect(tf.getBackend()).toBe('cpu');
    expect(checks).toBeDefined();
  });

  it('wrote the largest error of each block to KD_FIXTURE_ERRORS (the per-check tolerance counts too)', () => {
    const lines = readFileSync(errorsFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l['suite'], l['backend']])).toEqual([
      ['probe', 'cpu'],
      ['probe', 'wasm'],
    ]);
    // both saw 0.5 (the loosened check); cpu also recorded the too-far value (5e-5) before failing it
    for (const l of lines) expect(l['value']).toBeCloseTo(0.5, 12);
    for (const l of lines) expect(l['gradient']).toBeCloseTo(5e-6, 9);
    if (previousEnv === undefined) delete process.env[FIXTURE_ERRORS_ENV];
    else process.env[FIXTURE_ERRORS_ENV] = previousEnv;
    rmSync(join(errorsFile, '..'), { recursive: true, force: true });
  });
});

describe('fixtureCases', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kd-fixture-cases-'));
  const spec = join(dir, 'src');
  mkdirSync(join(dir, 'test', 'fixtures'), { recursive: true });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the cases of test/fixtures/<file> beside the spec’s src/', () => {
    writeFileSync(join(dir, 'test', 'fixtures', 'a.json'), JSON.stringify({ generator: 'x.py', cases: [{ name: 'one', v: 1 }] }));
    expect(fixtureCases<{ name: string; v: number }>(spec, 'a.json')).toEqual([{ name: 'one', v: 1 }]);
  });

  it('refuses a fixture without cases, naming the file', () => {
    writeFileSync(join(dir, 'test', 'fixtures', 'empty.json'), JSON.stringify({ cases: [] }));
    writeFileSync(join(dir, 'test', 'fixtures', 'none.json'), JSON.stringify({ other: 1 }));
    expect(() => fixtureCases(spec, 'empty.json')).toThrow(/empty\.json: expected a non-empty "cases" array/);
    expect(() => fixtureCases(spec, 'none.json')).toThrow(/none\.json/);
  });
});

describe('describeCases', () => {
  const names: string[] = [];
  describeCases([{ name: 'first' }, { name: 'second' }], (c) => {
    it('gives each case its own block', () => {
      names.push(c.name);
    });
  });
  it('ran one block per case, in order', () => {
    expect(names).toEqual(['first', 'second']);
  });
});
