import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '@kd/core';
import { tempDir, tinyConfig, writeConfig } from '@kd/testing';
import { runKd, spawnKd, type Exited } from './spawn-kd.js';

/**
 * The kill harness: a run is stopped at every kind of moment — exact crash points between two writes
 * (KD_CRASH_AT), SIGKILL at random times, SIGINT/SIGTERM — and continued as a user would (`kd run --resume`, or the
 * config again when the directory has no config yet) until it finishes. Every outcome must equal the uninterrupted
 * run to the byte: final weights, every metric, no duplicated or missing metric line, no temporary left behind.
 */

// 20 steps an epoch, 3 epochs: long enough for kills to land mid-epoch, short enough for many trials.
const config = (out: string) => tinyConfig(out, {}, { trainLimit: 640, testLimit: 200, epochs: 3 });

interface Line {
  stage: string;
  epoch: number;
  loss: Record<string, number>;
  metrics: Record<string, number>;
  lossSpikes?: number;
  memory: { numTensors: number };
}

function lines(runDir: string): Line[] {
  return readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Line);
}

/** Everything in metrics.jsonl but wall-clock time. */
const deterministic = (runDir: string) =>
  lines(runDir).map(({ stage, epoch, loss, metrics, lossSpikes, memory }) => ({
    stage,
    epoch,
    loss,
    metrics,
    lossSpikes,
    numTensors: memory.numTensors,
  }));

/** Files anywhere in the run directory that only a stopped writer leaves. */
function leftovers(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (/\.\d+\.(tmp|old)$/.test(e) || e === '.kd-lock') out.push(p);
      if (statSync(p).isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

const work = tempDir('kd-kill-');
let reference: { weights: Buffer; metrics: ReturnType<typeof deterministic>; final: unknown };

/** Continues a stopped run as a user would until it finishes; returns every attempt's exit. */
async function continueUntilDone(file: string, runDir: string): Promise<Exited[]> {
  const attempts: Exited[] = [];
  for (let i = 0; i < 6; i++) {
    const args = existsSync(join(runDir, 'config.json')) ? ['run', '--resume', runDir] : ['run', file];
    const e = await runKd(args);
    attempts.push(e);
    if (e.code === 0) return attempts;
  }
  throw new Error(`the run did not finish after 6 attempts:\n${attempts.map((a) => a.stderr).join('\n---\n')}`);
}

function expectSameAsReference(runDir: string): void {
  expect(deterministic(runDir)).toEqual(reference.metrics);
  expect(readFileSync(join(runDir, 'final', 'network.bin')).equals(reference.weights), 'final/network.bin differs').toBe(true);
  const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'));
  expect(summary).toMatchObject({ status: 'finished', failure: null });
  expect(summary.final).toEqual(reference.final);
  expect(leftovers(runDir)).toEqual([]);
}

describe('kill at any moment, resume, same bytes', () => {
  beforeAll(async () => {
    const file = writeConfig(work, 'reference.json', config('reference'));
    const e = await runKd(['run', file]);
    expect(e.code, e.stderr).toBe(0);
    const dir = join(work, 'reference');
    reference = {
      weights: readFileSync(join(dir, 'final', 'network.bin')),
      metrics: deterministic(dir),
      final: JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).final,
    };
    expect(reference.metrics.map((l) => l.epoch)).toEqual([1, 2, 3]);
  });

  // Exact moments: after the marker, between provenance.json and config.json, in epoch 1 before any checkpoint,
  // inside a checkpoint's directory write, between its rename and latest.json, and in the middle of a metrics line.
  it.each([
    ['run-dir-prepared'],
    ['provenance-written'],
    ['step:5'],
    ['step:45'],
    ['checkpoint-tensors-written:1'],
    ['checkpoint-tensors-written:2'],
    ['checkpoint-renamed:2'],
    ['metrics-torn:2'],
  ])('SIGKILL at %s', async (point) => {
    const name = `crash-${point.replace(/[^\w]/g, '-')}`;
    const file = writeConfig(work, `${name}.json`, config(name));
    const runDir = join(work, name);
    const killed = await runKd(['run', file], { KD_CRASH_AT: point });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    await continueUntilDone(file, runDir);
    expectSameAsReference(runDir);
  });

  // Random moments (seeded, so a failure can be replayed): each run is killed once or twice before it may finish.
  const rng = new Rng(20261206);
  const trials = Array.from(
    { length: 4 },
    (_, i) => [i, [300 + Math.floor(rng.next() * 2400), 200 + Math.floor(rng.next() * 2000)]] as const,
  );
  it.each(trials)('SIGKILL at random times (trial %i: after %j ms)', async (i, delays) => {
    const name = `random-${i}`;
    const file = writeConfig(work, `${name}.json`, config(name));
    const runDir = join(work, name);
    for (const delay of delays) {
      const args = existsSync(join(runDir, 'config.json')) ? ['run', '--resume', runDir] : ['run', file];
      const p = spawnKd(args);
      const timer = setTimeout(() => p.child.kill('SIGKILL'), delay);
      const e = await p.exited;
      clearTimeout(timer);
      // It may have finished before the kill landed; then there is nothing left to interrupt. A kill that lands after
      // the finished summary is written but before the process exits leaves a finished run, which a resume refuses.
      if (e.code === 0 || (e.code === 2 && /the run already finished/.test(e.stderr))) break;
      expect(e.signal, e.stderr).toBe('SIGKILL');
    }
    if (!existsSync(join(runDir, 'summary.json')) || JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')).status !== 'finished')
      await continueUntilDone(file, runDir);
    expectSameAsReference(runDir);
  });

  it.each([
    ['SIGINT', 130, 25],
    ['SIGTERM', 143, 47],
  ] as const)(
    '%s mid-epoch stops at the next step with a checkpoint, exit %i, status interrupted; --resume finishes identically',
    async (signal, code, step) => {
      const name = `signal-${signal}`;
      const file = writeConfig(work, `${name}.json`, config(name));
      const runDir = join(work, name);
      // Sent by the process to itself after a given step, so it lands mid-epoch every time.
      const e = await runKd(['run', file], { KD_CRASH_AT: `step:${step}:${signal}` });
      expect(e.code, e.stderr).toBe(code);
      const epoch = Math.floor(step / 20) + 1;
      const done = step % 20;
      expect(e.stderr).toContain(`interrupted by ${signal} at stage train, epoch ${epoch}, after ${done} steps; checkpoint`);
      expect(e.stderr).toContain(`continue with kd run --resume ${runDir}`);
      expect(e.stderr).not.toMatch(/^\s+at /m);
      expect(readdirSync(join(runDir, 'checkpoints'))).toContain(`s0-train-e000${epoch - 1}-k${String(done).padStart(7, '0')}`);
      const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'));
      expect(summary).toMatchObject({ status: 'interrupted', failure: { kind: 'interrupted', epoch, step: done } });
      expect(existsSync(join(runDir, 'final'))).toBe(false);
      expect(leftovers(runDir)).toEqual([]);
      const resumed = await runKd(['run', '--resume', runDir]);
      expect(resumed.code, resumed.stderr).toBe(0);
      expectSameAsReference(runDir);
    },
  );

  it('a Ctrl-C from outside stops the run (exit 130) and --resume finishes identically', async () => {
    const name = 'external-sigint';
    const file = writeConfig(work, `${name}.json`, config(name));
    const runDir = join(work, name);
    const p = spawnKd(['run', file]);
    await p.waitFor(/train epoch 1\/3/);
    p.child.kill('SIGINT');
    const e = await p.exited;
    expect(e.code, e.stderr).toBe(130);
    expect(JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')).status).toBe('interrupted');
    await continueUntilDone(file, runDir);
    expectSameAsReference(runDir);
  });

  it('two resumes at once: one runs, the other is refused (exit 2) naming the lock holder; no metric line twice', async () => {
    const name = 'two-resumes';
    const file = writeConfig(work, `${name}.json`, config(name));
    const runDir = join(work, name);
    const first = await runKd(['run', file], { KD_CRASH_AT: 'step:25' });
    expect(first.signal).toBe('SIGKILL');
    const [a, b] = await Promise.all([runKd(['run', '--resume', runDir]), runKd(['run', '--resume', runDir])]);
    const codes = [a.code, b.code].sort();
    // Both may also succeed one after the other if the first finished before the second started; never both at once.
    if (codes[0] === 0 && codes[1] === 0) throw new Error('both resumes trained');
    expect(codes, `${a.stderr}\n---\n${b.stderr}`).toEqual([0, 2]);
    const refused = a.code === 2 ? a : b;
    expect(refused.stderr).toMatch(/another kd process \(pid \d+, since .*\) is running in this directory|the run already finished/);
    expectSameAsReference(runDir);
  });
});
