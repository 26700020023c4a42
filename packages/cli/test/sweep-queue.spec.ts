import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { QueueExecutor, redisConnection, type CellJobStatus } from '@kd/sweep-bullmq';
import { repoRoot, tempDir } from '@kd/testing';
import { runKd, type Exited } from './spawn-kd.js';
import { cellWeights, ok, prepareStudyBase, STUDY_CELLS, writeStudy } from './study-fixture.js';

/**
 * `kd sweep --queue` and `kd worker` against a real redis-server on a loopback port: 2 methods × 2 seeds of tiny
 * distillation runs, 2 workers as separate processes, one of them SIGKILLed with its cell mid-run. Every cell must
 * finish once, the killed one resumed from its checkpoint, and every result equal the local executor's byte for byte.
 */

const REDIS = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
const haveRedis = REDIS.status === 0;
const CI = process.env['CI'] === 'true';
if (!haveRedis && !CI)
  console.warn('sweep-queue.spec: redis-server is not installed; the distributed sweep tests are skipped (apt-get install redis-server)');

const work = tempDir('kd-sweep-queue-');
const CELLS = STUDY_CELLS;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

interface Redis {
  readonly url: string;
  readonly port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts redis-server on 127.0.0.1 only; resolves once it accepts connections. */
async function startRedis(port: number, extra: readonly string[]): Promise<Redis> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ready to accept connections')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`redis-server exited (${code}):\n${out}`)));
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    child,
    // SIGTERM: redis writes its append-only file and exits, as on a machine's orderly shutdown.
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

interface Worker {
  readonly child: ChildProcess;
  readonly exited: Promise<Exited>;
  stderr(): string;
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpExecArray>;
}

/** `kd worker` from source in its own process group, so a test can SIGKILL it together with its cells (a machine lost). */
function startWorker(url: string, env: Record<string, string> = {}): Worker {
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
    // A dead worker's cell is taken over after the lock expires: 3 s here instead of a minute.
    {
      cwd: repoRoot,
      env: { ...process.env, KD_WASM_THREADS: '1', KD_QUEUE_LOCK_MS: '3000', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  let stderr = '';
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => void (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => void (stderr += d.toString()));
  const exited = new Promise<Exited>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr, stdout })));
  return {
    child,
    exited,
    stderr: () => stderr,
    waitFor: async (pattern, ms = 60_000) => {
      const deadline = Date.now() + ms;
      for (;;) {
        const m = pattern.exec(stderr);
        if (m) return m;
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(`kd worker exited before printing ${pattern}:\n${stderr}`);
        if (Date.now() > deadline) throw new Error(`kd worker did not print ${pattern} in ${ms} ms:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

const weights = cellWeights;
const metricLines = (runDir: string) => readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').length;
const resumes = (runDir: string) => (JSON.parse(readFileSync(join(runDir, 'provenance.json'), 'utf8')).resumes ?? []).length as number;

async function hashesOf(file: string): Promise<Map<string, string>> {
  const cells = JSON.parse(ok(await runKd(['sweep', file, '--dry-run', '--json'])).stdout) as { name: string; hash: string }[];
  return new Map(cells.map((c) => [c.name, c.hash]));
}

/** Polls the jobs until every one is completed or failed. */
async function settled(executor: QueueExecutor, hashes: readonly string[], ms = 90_000): Promise<CellJobStatus[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const s = await executor.status(hashes);
    if (s.every((x) => x.state === 'completed' || x.state === 'failed')) return s;
    if (Date.now() > deadline) throw new Error(`jobs not settled in ${ms} ms: ${JSON.stringify(s.map((x) => x.state))}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.runIf(haveRedis || CI)('kd sweep --queue / kd worker (BullMQ on a real redis-server)', () => {
  let redis: Redis;
  let executor: QueueExecutor;
  let reference: Map<string, Buffer>;
  let survivor: Worker | undefined;
  const workers: Worker[] = [];

  beforeAll(async () => {
    if (!haveRedis)
      throw new Error(
        'redis-server is not installed, and CI=true requires these tests: apt-get install redis-server (.ci/run installs it)',
      );
    redis = await startRedis(await freePort(), ['--appendonly', 'no']);
    executor = new QueueExecutor({ connection: redisConnection(redis.url) });
    await prepareStudyBase(work);
    // The reference: the same study through the local executor.
    ok(await runKd(['sweep', writeStudy(work, 'local.json', 'local'), '--jobs', '2']));
    reference = new Map(CELLS.map((c) => [c, weights(join(work, 'local', 'runs', c))]));
  });

  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) process.kill(-w.child.pid!, 'SIGKILL');
    await executor?.close();
    await redis?.stop();
  });

  it('an invalid cell: exit 2 naming the cell and the pointer, nothing enqueued', async () => {
    const file = writeStudy(work, 'bad-cell.json', 'bad-cell', {
      axes: { t: [{ 'distiller.temperature': 4 }, { 'distiller.temperature': -1 }] },
    });
    const e = await runKd(['sweep', file, '--queue', redis.url]);
    expect(e.code, e.stderr).toBe(2);
    expect(e.stderr).toContain('cell kd-temperature_1-s0');
    expect(e.stderr).toContain('/distiller/temperature');
    expect(await executor.queue.getJobCountByTypes('waiting', 'active', 'completed', 'failed', 'delayed')).toBe(0);
    expect(existsSync(join(work, 'bad-cell'))).toBe(false);
  });

  it('a malformed --queue URL: exit 2 naming it', async () => {
    const e = await runKd(['sweep', join(work, 'local.json'), '--queue', 'http://127.0.0.1:1']);
    expect(e.code, e.stderr).toBe(2);
    expect(e.stderr).toContain('--queue: got "http://127.0.0.1:1"; expected a redis:// or rediss:// URL');
  });

  it('2 workers, one SIGKILLed mid-run: every cell completes once, the killed one resumed from its checkpoint, the bytes of the local executor', async () => {
    const file = writeStudy(work, 'dist.json', 'dist');
    const hashes = await hashesOf(file);
    const first = ok(await runKd(['sweep', file, '--queue', redis.url]));
    expect(first.stderr).toContain(`4 queued on ${redis.url}, 0 already in the queue`);
    // Job id = content hash: submitting again adds nothing.
    expect(ok(await runKd(['sweep', file, '--queue', redis.url])).stderr).toContain('0 queued on');
    const status = ok(await runKd(['sweep', file, '--queue', redis.url, '--status']));
    expect(status.stderr).toContain('4 queued, 0 active, 0 completed, 0 failed');
    expect(status.stdout).toContain(`kd-s0  ${hashes.get('kd-s0')!.slice(0, 12)}  queued`);

    // Worker A's cell pauses itself in its second epoch (8 steps an epoch), after its first checkpoint, so the kill
    // lands mid-run; the worker passes its environment on to its cells.
    const a = startWorker(redis.url, { KD_CRASH_AT: 'step:12:SIGSTOP' });
    workers.push(a);
    const victim = (await a.waitFor(/kd: worker: (\S+): starting/))[1]!;
    const b = startWorker(redis.url);
    workers.push(b);
    survivor = b;
    const checkpoint = join(work, 'dist', 'runs', victim, 'checkpoints', 'latest.json');
    const deadline = Date.now() + 60_000;
    while (!existsSync(checkpoint) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(checkpoint), `${victim} never checkpointed:\n${a.stderr()}`).toBe(true);
    process.kill(-a.child.pid!, 'SIGKILL');
    expect((await a.exited).signal).toBe('SIGKILL');
    expect(existsSync(join(work, 'dist', 'runs', victim, 'summary.json'))).toBe(false);

    const states = await settled(executor, [...hashes.values()]);
    expect(
      states.map((s) => s.state),
      b.stderr(),
    ).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect(await executor.queue.getJobCountByTypes('completed')).toBe(4);
    const byName = new Map([...hashes].map(([name, hash]) => [name, states.find((s) => s.hash === hash)!]));
    expect(byName.get(victim)!.result!.action).toBe('resume');
    expect(b.stderr()).toContain(`${victim}: resuming`);
    for (const c of CELLS) {
      const dir = join(work, 'dist', 'runs', c);
      expect(metricLines(dir), `${c}: one metrics line per epoch`).toBe(2);
      expect(resumes(dir), c).toBe(c === victim ? 1 : 0);
      expect(weights(dir).equals(reference.get(c)!), `${c}: final/network.bin differs from the local executor's`).toBe(true);
      // Progress streamed from the child's epoch lines.
      expect(byName.get(c)!.progress).toMatchObject({ epoch: 2, epochs: 2 });
    }
    const after = ok(await runKd(['sweep', file, '--queue', redis.url, '--status']));
    expect(after.stderr).toContain('0 queued, 0 active, 4 completed, 0 failed');
  });

  it('a job hashed by another kd version is refused, naming the skew; --status shows why; --retry-failed queues it again', async () => {
    const file = writeStudy(work, 'skew.json', 'skew', { axes: { method: [{ 'distiller.name': 'kd' }] }, seeds: [5] });
    // What a submitter of another kd version puts in the queue (the worker refuses it before reading the config).
    const [hash] = [...(await hashesOf(file)).values()];
    const other = new QueueExecutor({ connection: redisConnection(redis.url), kdVersion: '0.0.0-skew' });
    await other.enqueue([
      {
        name: 'kd-s5',
        hash: hash!,
        config: join(work, 'skew', 'cells', 'kd-s5.json'),
        runDir: join(work, 'skew', 'runs', 'kd-s5'),
        log: join(work, 'skew', 'logs', 'kd-s5.log'),
        threads: 1,
        action: 'run',
      },
    ]);
    await other.close();
    const w = survivor ?? startWorker(redis.url);
    if (!survivor) workers.push(w);
    const [s] = await settled(executor, [hash!], 60_000);
    expect(s!.state).toBe('failed');
    expect(s!.reason).toMatch(/kd version skew: cell kd-s5 was hashed by @kd\/core 0\.0\.0-skew, this worker .* runs @kd\/core \d/);
    expect(existsSync(join(work, 'skew', 'runs', 'kd-s5'))).toBe(false);
    const status = ok(await runKd(['sweep', file, '--queue', redis.url, '--status']));
    expect(status.stdout).toMatch(/kd-s5 {2}[0-9a-f]{12} {2}failed {6}kd version skew: /);
    expect(status.stderr).toContain('0 queued, 0 active, 0 completed, 1 failed');

    // SIGTERM: the worker closes (nothing is running) with 143.
    w.child.kill('SIGTERM');
    const exited = await w.exited;
    expect(exited.code, exited.stderr).toBe(143);
    expect(exited.stderr).toContain('kd: worker: closed');
    expect(ok(await runKd(['sweep', file, '--queue', redis.url, '--retry-failed'])).stderr).toContain('1 failed cells queued again');
    expect(ok(await runKd(['sweep', file, '--queue', redis.url, '--status'])).stderr).toContain(
      '1 queued, 0 active, 0 completed, 0 failed',
    );
  });

  it('Redis restarted mid-study with appendonly persistence: the jobs survive and every cell completes once', async () => {
    const dir = join(work, 'redis-aof');
    mkdirSync(dir, { recursive: true });
    const port = await freePort();
    const args = ['--appendonly', 'yes', '--dir', dir];
    let persistent = await startRedis(port, args);
    const exec = new QueueExecutor({ connection: redisConnection(persistent.url) });
    try {
      const file = writeStudy(work, 'restart.json', 'restart', { seeds: [0] });
      const hashes = await hashesOf(file);
      ok(await runKd(['sweep', file, '--queue', persistent.url]));
      const w = startWorker(persistent.url);
      workers.push(w);
      await w.waitFor(/kd: worker: \S+: starting/);
      await persistent.stop();
      persistent = await startRedis(port, args);
      const states = await settled(exec, [...hashes.values()]);
      expect(
        states.map((s) => s.state),
        w.stderr(),
      ).toEqual(['completed', 'completed']);
      for (const c of ['kd-s0', 'dkd-s0']) {
        const runDir = join(work, 'restart', 'runs', c);
        expect(metricLines(runDir), c).toBe(2);
        expect(weights(runDir).equals(reference.get(c)!), `${c}: final/network.bin differs`).toBe(true);
      }
      w.child.kill('SIGTERM');
      expect((await w.exited).code).toBe(143);
    } finally {
      await exec.close();
      await persistent.stop();
    }
  });
});

it.runIf(!haveRedis && !CI)('(redis-server missing: the distributed sweep tests were skipped)', () => {
  expect(haveRedis).toBe(false);
});
