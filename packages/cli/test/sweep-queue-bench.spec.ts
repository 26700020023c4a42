import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { QueueExecutor, redisConnection, type CellJobStatus } from '@kd/sweep-bullmq';
import { repoRoot, tempDir } from '@kd/testing';
import { runKd } from './spawn-kd.js';
import { prepareStudyBase, writeStudy } from './study-fixture.js';

/**
 * A benchmark, not a timed test (KD_BENCH=1 runs it; the README records its numbers): queue overhead per cell (enqueue,
 * or the worker's previous cell ending, → the kd child started) and cells/hour of 1 vs 2 single-threaded workers on
 * 4 tiny cells. What it asserts is only that every cell completed.
 */

const bench = process.env['KD_BENCH'] === '1' && spawnSync('redis-server', ['--version']).status === 0;
const work = tempDir('kd-sweep-queue-bench-');

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function worker(url: string): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn(
    process.execPath,
    [
      '--conditions=@kd/source',
      '--import',
      '@swc-node/register/esm-register',
      join(repoRoot, 'packages/cli/src/bin.ts'),
      'worker',
      '--queue',
      url,
    ],
    { cwd: repoRoot, env: { ...process.env, KD_WASM_THREADS: '1' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  const ready = new Promise<void>((resolve) =>
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('waiting for cells')) resolve();
    }),
  );
  return { child, ready };
}

async function measure(url: string, executor: QueueExecutor, workers: number, output: string) {
  const ws = Array.from({ length: workers }, () => worker(url));
  await Promise.all(ws.map((w) => w.ready));
  const file = writeStudy(work, `${output}.json`, output);
  const cells = JSON.parse((await runKd(['sweep', file, '--dry-run', '--json'])).stdout) as { hash: string }[];
  await runKd(['sweep', file, '--queue', url]);
  let s: CellJobStatus[];
  for (;;) {
    s = await executor.status(cells.map((c) => c.hash));
    if (s.every((x) => x.state === 'completed' || x.state === 'failed')) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  for (const w of ws) w.child.kill('SIGTERM');
  await Promise.all(ws.map((w) => new Promise((r) => w.child.on('close', r))));
  const span = (Math.max(...s.map((x) => x.finishedAt!)) - Math.min(...s.map((x) => x.enqueuedAt!))) / 1000;
  // Overhead: from the moment a cell could have started (enqueued, or its worker's previous cell done) to its child.
  const byWorker = new Map<string, CellJobStatus[]>();
  for (const x of s) byWorker.set(x.result!.worker, [...(byWorker.get(x.result!.worker) ?? []), x]);
  const overheads: number[] = [];
  for (const list of byWorker.values()) {
    list.sort((p, q) => p.progress!.startedAt - q.progress!.startedAt);
    list.forEach((x, i) => overheads.push(x.progress!.startedAt - Math.max(x.enqueuedAt!, i ? list[i - 1]!.finishedAt! : 0)));
  }
  return { states: s.map((x) => x.state), span, cellsPerHour: (cells.length * 3600) / span, overheadMs: overheads };
}

it.runIf(bench)('bench: queue overhead per cell; 1 vs 2 single-threaded workers, cells/hour', async () => {
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  await new Promise((r) => setTimeout(r, 300));
  const url = `redis://127.0.0.1:${port}`;
  const executor = new QueueExecutor({ connection: redisConnection(url) });
  try {
    await prepareStudyBase(work);
    const one = await measure(url, executor, 1, 'one');
    // Another output root, and other seeds would change the runs: the same cells hash alike, so clear the jobs first.
    await executor.queue.obliterate({ force: true });
    const two = await measure(url, executor, 2, 'two');
    expect([...one.states, ...two.states].every((x) => x === 'completed')).toBe(true);
    const ms = (a: number[]) => `${(a.reduce((x, y) => x + y, 0) / a.length).toFixed(0)} ms (${a.map((x) => x.toFixed(0)).join(', ')})`;
    console.log(
      `1 worker: ${one.span.toFixed(1)} s for 4 cells, ${one.cellsPerHour.toFixed(0)} cells/h; overhead ${ms(one.overheadMs)}\n` +
        `2 workers: ${two.span.toFixed(1)} s for 4 cells, ${two.cellsPerHour.toFixed(0)} cells/h; overhead ${ms(two.overheadMs)}\n` +
        `speed-up ${(two.cellsPerHour / one.cellsPerHour).toFixed(2)}×`,
    );
  } finally {
    await executor.close();
    redis.kill('SIGTERM');
  }
});

it.runIf(!bench)('(the queue benchmark runs with KD_BENCH=1 and redis-server installed)', () => {
  expect(bench).toBe(false);
});
