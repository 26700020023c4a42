import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@kd/testing';
import { cellCommand, LocalExecutor, type CellResult, type CellTask } from '../src/index.js';

/**
 * The executor against a stand-in for kd: a script that records when it ran, sleeps, and writes the summary.json a
 * run would (failing for configs named fail-*, dying without a summary for die-*).
 */
const work = tempDir('kd-exec-');
const fakeKd = join(work, 'fake-kd.mjs');
writeFileSync(
  fakeKd,
  `import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
const [, , cmd, config] = process.argv;
const name = basename(config, '.json');
const runDir = join(process.env.RUNS, name);
mkdirSync(runDir, { recursive: true });
appendFileSync(process.env.TRACE, JSON.stringify({ name, at: Date.now(), event: 'start', threads: process.env.KD_WASM_THREADS, cmd }) + '\\n');
await new Promise((r) => setTimeout(r, 400));
appendFileSync(process.env.TRACE, JSON.stringify({ name, at: Date.now(), event: 'end' }) + '\\n');
if (name.startsWith('die')) { process.stderr.write('out of memory\\n'); process.exit(137); }
const failed = name.startsWith('fail');
writeFileSync(join(runDir, 'summary.json'), JSON.stringify({ status: failed ? 'failed' : 'finished', failure: failed ? { kind: 'error', message: 'the disk filled up' } : null, final: {} }));
process.exit(failed ? 1 : 0);
`,
);

function tasks(names: string[]): CellTask[] {
  mkdirSync(join(work, 'runs'), { recursive: true });
  return names.map((name) => ({
    name,
    hash: name,
    config: join(work, `${name}.json`),
    runDir: join(work, 'runs', name),
    log: join(work, 'logs', `${name}.log`),
    action: 'run',
    threads: 3,
  }));
}

async function collect(executor: LocalExecutor, list: CellTask[], signal?: AbortSignal): Promise<CellResult[]> {
  const out: CellResult[] = [];
  for await (const r of executor.run(list, signal)) out.push(r);
  return out;
}

/** The trace's complete lines: a poll may read the file just after a child created it, or while it appends a line. */
function trace(file: string) {
  return readFileSync(file, 'utf8')
    .split('\n')
    .slice(0, -1)
    .map((l) => JSON.parse(l) as { name: string; at: number; event: 'start' | 'end'; threads?: string });
}

/** The most tasks that ran at once. */
function peak(events: ReturnType<typeof trace>): number {
  let now = 0;
  let max = 0;
  for (const e of [...events].sort((a, b) => a.at - b.at || (a.event === 'end' ? -1 : 1))) {
    now += e.event === 'start' ? 1 : -1;
    max = Math.max(max, now);
  }
  return max;
}

describe('LocalExecutor', () => {
  it('runs at most `jobs` at once, with the task’s threads; a failure does not stop the others and carries its reason', async () => {
    const file = join(work, 'trace-1.jsonl');
    const executor = new LocalExecutor({
      jobs: 2,
      kd: [process.execPath, fakeKd],
      env: { ...process.env, TRACE: file, RUNS: join(work, 'runs') },
    });
    const results = await collect(executor, tasks(['a', 'fail-b', 'c', 'die-d', 'e']));
    const events = trace(file);
    expect(peak(events)).toBe(2);
    expect(events.filter((e) => e.event === 'start').every((e) => e.threads === '3')).toBe(true);
    const by = new Map(results.map((r) => [r.name, r]));
    expect([...by.keys()].sort()).toEqual(['a', 'c', 'die-d', 'e', 'fail-b']);
    expect(by.get('a')).toMatchObject({ status: 'finished', exit: 0 });
    expect(by.get('fail-b')).toMatchObject({ status: 'failed', exit: 1, reason: 'error: the disk filled up' });
    expect(by.get('die-d')!.status).toBe('error');
    expect(by.get('die-d')!.reason).toContain('exit 137; log ends:\nout of memory');
    expect(readFileSync(join(work, 'logs', 'die-d.log'), 'utf8')).toBe('out of memory\n');
  });

  it('aborted, it starts nothing more; the running tasks end and are reported', async () => {
    const file = join(work, 'trace-2.jsonl');
    const executor = new LocalExecutor({
      jobs: 1,
      kd: [process.execPath, fakeKd],
      env: { ...process.env, TRACE: file, RUNS: join(work, 'runs') },
    });
    const abort = new AbortController();
    const poll = setInterval(() => existsSync(file) && abort.abort('drain'), 20);
    const results = await collect(executor, tasks(['f', 'g', 'h']), abort.signal);
    clearInterval(poll);
    expect(results.map((r) => [r.name, r.status])).toEqual([['f', 'finished']]);
    expect(
      trace(file)
        .filter((e) => e.event === 'start')
        .map((e) => e.name),
    ).toEqual(['f']);
  });

  it('aborted without "drain", the running tasks get SIGTERM (kd checkpoints and stops on it)', async () => {
    const file = join(work, 'trace-3.jsonl');
    const executor = new LocalExecutor({
      jobs: 2,
      kd: [process.execPath, fakeKd],
      env: { ...process.env, TRACE: file, RUNS: join(work, 'runs') },
    });
    const abort = new AbortController();
    // Once both running tasks have started (a loaded machine may take a while to start a process).
    const started = () => existsSync(file) && trace(file).filter((e) => e.event === 'start').length === 2;
    const poll = setInterval(() => started() && abort.abort(), 20);
    const results = await collect(executor, tasks(['i', 'j', 'k']), abort.signal);
    clearInterval(poll);
    expect(results.map((r) => [r.name, r.status, r.exit]).sort()).toEqual([
      ['i', 'error', 'SIGTERM'],
      ['j', 'error', 'SIGTERM'],
    ]);
    expect(trace(file).filter((e) => e.event === 'end')).toEqual([]);
  });
});

describe('cellCommand', () => {
  it('runs or resumes a cell; --allow-local-plugins only when the caller was given it', () => {
    const task = { config: '/s/cells/kd-s0.json', runDir: '/s/runs/kd-s0' };
    expect(cellCommand({ ...task, action: 'run' })).toEqual(['run', '/s/cells/kd-s0.json', '--json']);
    expect(cellCommand({ ...task, action: 'resume' }, { allowLocalPlugins: false })).toEqual([
      'run',
      '--resume',
      '/s/runs/kd-s0',
      '--json',
    ]);
    expect(cellCommand({ ...task, action: 'run' }, { allowLocalPlugins: true })).toEqual([
      'run',
      '/s/cells/kd-s0.json',
      '--json',
      '--allow-local-plugins',
    ]);
    expect(cellCommand({ ...task, action: 'resume' }, { allowLocalPlugins: true })).toEqual([
      'run',
      '--resume',
      '/s/runs/kd-s0',
      '--json',
      '--allow-local-plugins',
    ]);
  });
});
