import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, tempDir, writeConfig } from '@kd/testing';
import type { Exited } from './spawn-kd.js';
import { haveRedis, queueProcesses } from './sweep-processes.js';

/**
 * A package's `bench` target (tools/bench/bench.mjs) trains its students as one `kd sweep` study: locally, or through
 * the Redis queue for `kd worker`s. Here one package's smoke bench (scratch and KD, one seed) runs from the CLI's
 * sources: locally, locally again (every cell skipped: the same code, teacher and configs), after a code change (trained
 * again), and through a queue with a fresh cache — whose numbers must equal the local run's bit for bit.
 */

const CI = process.env['CI'] === 'true';
const work = tempDir('kd-bench-study-');
const METHODS = ['scratch=configs/bench/student-scratch.json', 'kd=configs/bench/student-kd.json'];

interface BenchRun {
  readonly seed: number;
  readonly last: number;
  readonly best: number;
}
interface BenchResult {
  readonly results: Record<string, { readonly runs: readonly BenchRun[] }>;
}

/** The code state the runs are filed under: fixed here, so other edits to the tree during the test do not move it. */
const CODE = 'bench-study-spec';

function bench(cache: string, extra: readonly string[] = [], code = CODE): Promise<Exited> {
  const args = ['tools/bench/bench.mjs', '--name', 'study', '--smoke', '--out', join(work, 'out'), '--cache', cache];
  const child = spawn(process.execPath, [...args, '--teacher', join(work, 'teacher.json'), ...extra, ...METHODS], {
    cwd: repoRoot,
    env: { ...process.env, KD_BENCH_FROM_SOURCE: '1', KD_BENCH_CODE_STAMP: code },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => void (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

const ok = (e: Exited): Exited => {
  expect(e.code, e.stderr).toBe(0);
  return e;
};
/** Each method's last- and best-epoch accuracy per seed: what must not depend on where or when the cells ran. */
const accuracies = (r: BenchResult) =>
  Object.fromEntries(Object.entries(r.results).map(([m, x]) => [m, x.runs.map((run) => [run.seed, run.last, run.best])]));
const result = (): BenchResult => JSON.parse(readFileSync(join(work, 'out', 'smoke', 'study.json'), 'utf8')) as BenchResult;

/** The code-state directories under a cache's smoke root. */
const codeStates = (cache: string) => readdirSync(join(cache, 'smoke'));

/** The one code-state directory under a cache's smoke root, and the summaries of its cells, by cell name. */
function cells(cache: string): Map<string, { final: Record<string, number> }> {
  const roots = codeStates(cache);
  expect(roots).toHaveLength(1);
  const runs = join(cache, 'smoke', roots[0]!, 'runs');
  return new Map(readdirSync(runs).map((n) => [n, JSON.parse(readFileSync(join(runs, n, 'summary.json'), 'utf8'))]));
}

describe('bench targets run their students as a kd sweep study', () => {
  const procs = queueProcesses();
  let local: BenchResult;

  beforeAll(() => {
    const teacher = JSON.parse(readFileSync(join(repoRoot, 'configs/bench/teacher.json'), 'utf8')) as Record<string, unknown>;
    writeConfig(work, 'teacher.json', { ...teacher, $schema: undefined, output: { dir: join(work, 'teacher') } });
  });

  it('locally: one cell per method and seed, the results read from the cells’ run directories', async () => {
    const run = ok(await bench(join(work, 'cache')));
    expect(run.stderr).toMatch(/2 finished, 0 skipped/);
    local = result();
    const byCell = cells(join(work, 'cache'));
    expect([...byCell.keys()].sort()).toEqual([
      expect.stringMatching(/^kd_[0-9a-f]{8}-s0$/),
      expect.stringMatching(/^scratch_[0-9a-f]{8}-s0$/),
    ]);
    for (const method of ['scratch', 'kd']) {
      const [, summary] = [...byCell].find(([name]) => name.startsWith(`${method}_`))!;
      expect(local.results[method]!.runs.map((r) => r.last)).toEqual([summary.final['student.top1']]);
    }
  }, 180_000);

  it('again with the same code and teacher: every cell is skipped and the numbers are the same', async () => {
    const run = ok(await bench(join(work, 'cache')));
    expect(run.stderr).toMatch(/0 finished, 2 skipped \(already finished\)/);
    expect(result().results).toEqual(local.results);
  }, 180_000);

  it('after a code change: a new code-state directory, and the cells train again', async () => {
    const run = ok(await bench(join(work, 'cache'), [], `${CODE}-changed`));
    expect(run.stderr).toMatch(/2 finished, 0 skipped/);
    expect(codeStates(join(work, 'cache'))).toHaveLength(2);
    expect(accuracies(result())).toEqual(accuracies(local));
  }, 180_000);

  it.runIf(haveRedis || CI)(
    'through a Redis queue and a kd worker: the same numbers, bit for bit',
    async () => {
      if (!haveRedis) throw new Error('redis-server is not installed, and CI=true requires this test (.ci/run installs it)');
      const redis = await procs.redis();
      const worker = procs.worker(redis.url);
      await worker.waitFor(/waiting for cells/);
      const run = ok(await bench(join(work, 'queued-cache'), ['--queue', redis.url]));
      expect(run.stderr).toMatch(/2 cells on redis:\/\/127\.0\.0\.1:\d+; waiting for kd workers/);
      expect(worker.stderr()).toMatch(/scratch_[0-9a-f]{8}-s0: finished/);
      expect(worker.stderr()).toMatch(/kd_[0-9a-f]{8}-s0: finished/);
      expect(accuracies(result())).toEqual(accuracies(local));
    },
    180_000,
  );
});

it.runIf(!haveRedis && !CI)('(redis-server missing: the queued bench was skipped)', () => {
  expect(haveRedis).toBe(false);
});
