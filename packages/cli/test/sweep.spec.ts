import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, relative } from 'node:path';
import { repoRoot, tempDir, tinyConfig, writeConfig } from '@kd/testing';
import { KD_FROM_SOURCE, runKd, spawnKd } from './spawn-kd.js';
import { signalPending, stoppedChildren } from './sweep-processes.js';
import { writeLocalKdStudy } from './local-kd-study.js';
import { cellWeights, ok, prepareStudyBase, STUDY_CELLS, STUDY_SIZE, writeStudy } from './study-fixture.js';

/**
 * `kd sweep` end to end, through the real CLI in child processes: a study of 2 methods × 2 seeds of tiny distillation
 * runs. Whatever executes the cells — 2 at once, one by one with `kd run`, after a SIGKILL of the whole sweep, or
 * indexed with `kd run --from` — every cell's final weights are the same bytes.
 */

const work = tempDir('kd-sweep-');
const CELLS = STUDY_CELLS;

const weights = cellWeights;
const summary = (runDir: string) =>
  JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as { status: string; failure: { kind: string } | null };
const metricLines = (runDir: string) => readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').length;
const resumes = (runDir: string) => (JSON.parse(readFileSync(join(runDir, 'provenance.json'), 'utf8')).resumes ?? []).length as number;

/** Every file under `dir` with its size and modification time: equal snapshots mean nothing was written or removed. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p)] = `${statSync(p).size}@${statSync(p).mtimeMs}`;
    }
  };
  walk(dir);
  return out;
}

let reference: Map<string, Buffer>;
let hashes: Map<string, string>;

describe('kd sweep', () => {
  beforeAll(async () => {
    await prepareStudyBase(work);
  });

  it('an invalid study file: exit 2 naming the file and the pointer, nothing created', async () => {
    const file = writeConfig(work, 'bad-study.json', { base: 'base.json', output: 'bad-study', combine: 'all' });
    const e = await runKd(['sweep', file]);
    expect(e.code, e.stderr).toBe(2);
    expect(e.stderr).toContain(file);
    expect(e.stderr).toContain('/combine: got "all"; expected one of "product", "zip"');
    expect(existsSync(join(work, 'bad-study'))).toBe(false);
  });

  it('one invalid cell: exit 2 naming the cell, the pointer and the study line; nothing started or written', async () => {
    const file = writeStudy(work, 'bad-cell.json', 'bad-cell', {
      axes: { t: [{ 'distiller.temperature': 4 }, { 'distiller.temperature': -1 }] },
    });
    const e = await runKd(['sweep', file, '--jobs', '2']);
    expect(e.code, e.stderr).toBe(2);
    expect(e.stderr).toContain('cell kd-temperature_1-s0');
    expect(e.stderr).toContain('/distiller/temperature');
    expect(e.stderr).toContain('distiller.temperature is set by /axes/t/1');
    expect(e.stderr).not.toContain('starting');
    expect(existsSync(join(work, 'bad-cell'))).toBe(false);
  });

  it('a cell naming a plugin package that is not installed: exit 2 naming the cell, the pointer and the npm install command; nothing started', async () => {
    const file = writeStudy(work, 'missing-plugin.json', 'missing-plugin', {
      axes: { method: [{ 'distiller.name': 'kd' }, { 'distiller.name': 'nosuchmethod' }] },
    });
    const e = await runKd(['sweep', file, '--jobs', '2']);
    expect(e.code, e.stderr).toBe(2);
    expect(e.stderr).toContain('cell nosuchmethod-s0');
    expect(e.stderr).toContain('/distiller/name: no distiller plugin named "nosuchmethod" is installed');
    expect(e.stderr).toContain('npm install @kd/distiller-nosuchmethod');
    expect(e.stderr).toContain('distiller.name is set by /axes/method/1');
    expect(e.stderr).not.toContain('starting');
    expect(existsSync(join(work, 'missing-plugin'))).toBe(false);
  });

  it('--dry-run lists every cell with its hash, state and overrides, and writes nothing', async () => {
    const e = ok(await runKd(['sweep', writeStudy(work, 'study.json', 'study'), '--dry-run', '--json']));
    const cells = JSON.parse(e.stdout) as { name: string; hash: string; state: string; overrides: Record<string, unknown> }[];
    expect(cells.map((c) => c.name)).toEqual(CELLS);
    expect(cells.map((c) => c.state)).toEqual(['new', 'new', 'new', 'new']);
    expect(cells[3]!.overrides).toEqual({ 'distiller.name': 'dkd', 'training.seed': 1 });
    expect(cells.every((c) => /^[0-9a-f]{64}$/.test(c.hash))).toBe(true);
    hashes = new Map(cells.map((c) => [c.name, c.hash]));
    expect(existsSync(join(work, 'study'))).toBe(false);
  });

  it('--jobs 2 trains every cell; each equals the same cell run alone with kd run, byte for byte', async () => {
    const t0 = performance.now();
    const e = ok(await runKd(['sweep', join(work, 'study.json'), '--jobs', '2']));
    const parallel = (performance.now() - t0) / 1000;
    expect(e.stderr).toContain('4 finished, 0 skipped');
    // after each cell: how many are done and, from the pace so far, how long the rest will take
    expect(e.stderr).toMatch(/: finished in [\d.]+ s \(1 of 4 done, (under a minute|about \d+ min) left at this pace\)/);
    expect(e.stderr).toMatch(/: finished in [\d.]+ s \(4 of 4 done\)/);
    reference = new Map(CELLS.map((c) => [c, weights(join(work, 'study', 'runs', c))]));
    const t1 = performance.now();
    for (const c of CELLS) {
      ok(await runKd(['run', join(work, 'study', 'cells', `${c}.json`), '--set', `output.dir=../../solo/${c}`]));
      expect(weights(join(work, 'solo', c)).equals(reference.get(c)!), `${c}: final/network.bin differs from the sweep's`).toBe(true);
    }
    const serial = (performance.now() - t1) / 1000;
    // kd and dkd, and the two seeds, train differently: the comparison above is not between equal files by accident.
    expect(new Set(CELLS.map((c) => reference.get(c)!.toString('base64'))).size).toBe(4);
    console.log(`sweep --jobs 2: ${parallel.toFixed(1)} s for 4 cells; the same 4 one by one with kd run: ${serial.toFixed(1)} s`);
  });

  it('running the sweep again skips every cell (same hash, finished) and touches no run', async () => {
    const logs = CELLS.map((c) => statSync(join(work, 'study', 'logs', `${c}.log`)).size);
    const e = ok(await runKd(['sweep', join(work, 'study.json'), '--jobs', '2']));
    expect(e.stderr).toContain('0 finished, 4 skipped (already finished), 0 failed');
    expect(CELLS.map((c) => statSync(join(work, 'study', 'logs', `${c}.log`)).size)).toEqual(logs);
  });

  it('a run directory holding a run of another config: refused, exit 2 naming the cell and both hashes; nothing touched', async () => {
    // The same cells (names) over a base that changed since they ran: every run directory holds another hash.
    const base = JSON.parse(readFileSync(join(work, 'base.json'), 'utf8')) as { training: { optimizer: { lr: number } } };
    base.training.optimizer.lr *= 2;
    writeConfig(work, 'base-changed.json', base);
    const changed = writeStudy(work, 'study-changed.json', 'study', { base: 'base-changed.json' });
    const fresh = writeStudy(work, 'study-changed-fresh.json', 'changed-fresh', { base: 'base-changed.json' });
    // The hash leaves the output location out: listing the changed study elsewhere gives its cells' hashes.
    const now = new Map(
      (JSON.parse(ok(await runKd(['sweep', fresh, '--dry-run', '--json'])).stdout) as { name: string; hash: string }[]).map((c) => [
        c.name,
        c.hash,
      ]),
    );
    expect(now.get('kd-s0')).not.toBe(hashes.get('kd-s0'));
    const before = snapshot(join(work, 'study'));
    for (const args of [['--jobs', '2'], ['--dry-run']]) {
      const e = await runKd(['sweep', changed, ...args]);
      expect(e.code, e.stderr).toBe(2);
      expect(e.stderr).toContain(`cell kd-s0: ${join(work, 'study', 'runs', 'kd-s0')} holds a run of another config or kd version`);
      expect(e.stderr).toContain(`hash ${hashes.get('kd-s0')!.slice(0, 12)}, the cell's ${now.get('kd-s0')!.slice(0, 12)}`);
      expect(e.stderr).not.toContain('starting');
    }
    expect(snapshot(join(work, 'study'))).toEqual(before);
  });

  it('a sweep SIGKILLed with its process group mid-way: the next one resumes the interrupted cells from their checkpoints, each finishing once with the same bytes', async () => {
    const file = writeStudy(work, 'kill.json', 'kill');
    const child = spawn(process.execPath, [...KD_FROM_SOURCE, 'sweep', file, '--jobs', '2'], {
      cwd: repoRoot,
      // Each cell pauses itself in its second epoch (8 steps an epoch), so the kill always lands mid-run, after the
      // first epoch's checkpoint; the sweep passes its environment on to the cells.
      env: { ...process.env, KD_CRASH_AT: 'step:12:SIGSTOP' },
      stdio: 'ignore',
      detached: true,
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const checkpointed = (c: string) => existsSync(join(work, 'kill', 'runs', c, 'checkpoints', 'latest.json'));
    const deadline = Date.now() + 60_000;
    while (!(checkpointed('kd-s0') && checkpointed('kd-s1')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    process.kill(-child.pid!, 'SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const interrupted = CELLS.filter((c) => checkpointed(c) && !existsSync(join(work, 'kill', 'runs', c, 'summary.json')));
    // --jobs 2: the first two cells were mid-run, the other two never started.
    expect(interrupted).toEqual(['kd-s0', 'kd-s1']);
    expect(existsSync(join(work, 'kill', 'runs', 'dkd-s0'))).toBe(false);

    const e = ok(await runKd(['sweep', file, '--jobs', '2']));
    for (const c of interrupted) expect(e.stderr).toContain(`resuming ${c}`);
    for (const c of CELLS) {
      const dir = join(work, 'kill', 'runs', c);
      expect(summary(dir).status).toBe('finished');
      expect(metricLines(dir), `${c}: one metrics line per epoch`).toBe(2);
      expect(resumes(dir), c).toBe(interrupted.includes(c) ? 1 : 0);
      expect(weights(dir).equals(reference.get(c)!), `${c}: final/network.bin differs`).toBe(true);
    }
    expect(ok(await runKd(['sweep', file])).stderr).toContain('0 finished, 4 skipped');
  });

  it('SIGTERM to kd sweep --jobs 2 mid-cell: the running cells checkpoint and stop (interrupted, exit 143); the next sweep resumes them, each finishing once with the same bytes', async () => {
    const file = writeStudy(work, 'term.json', 'term');
    // Each cell stops itself (SIGSTOP) in its second epoch, after the first epoch's checkpoint: the SIGTERM then lands
    // mid-cell whatever the machine's load, and is delivered when the test lets the cells go on (SIGCONT).
    const sweep = spawnKd(['sweep', file, '--jobs', '2'], { KD_CRASH_AT: 'step:12:SIGSTOP' });
    const cells = await stoppedChildren(sweep.child.pid!, 2);
    try {
      sweep.child.kill('SIGTERM');
      await sweep.waitFor(/SIGTERM: stopping the running cells/);
      for (const pid of cells) await signalPending(pid, 'SIGTERM');
    } finally {
      for (const pid of cells) process.kill(pid, 'SIGCONT');
    }
    const e = await sweep.exited;
    expect(e.code, e.stderr).toBe(143);
    expect(e.stderr).toMatch(/kd-s0: interrupted in [\d.]+ s/);
    expect(e.stderr).toMatch(/kd-s1: interrupted in [\d.]+ s/);
    expect(e.stderr).toContain('2 not started');
    for (const c of ['kd-s0', 'kd-s1']) {
      const dir = join(work, 'term', 'runs', c);
      expect(summary(dir).status, c).toBe('interrupted');
      expect(existsSync(join(dir, 'checkpoints', 'latest.json')), c).toBe(true);
    }
    expect(existsSync(join(work, 'term', 'runs', 'dkd-s0'))).toBe(false);

    const again = ok(await runKd(['sweep', file, '--jobs', '2']));
    expect(again.stderr).toContain('resuming kd-s0');
    expect(again.stderr).toContain('resuming kd-s1');
    expect(again.stderr).toContain('4 finished, 0 skipped');
    for (const c of CELLS) {
      const dir = join(work, 'term', 'runs', c);
      expect(summary(dir).status).toBe('finished');
      expect(metricLines(dir), `${c}: one metrics line per epoch`).toBe(2);
      expect(resumes(dir), c).toBe(c.startsWith('kd-') ? 1 : 0);
      expect(weights(dir).equals(reference.get(c)!), `${c}: final/network.bin differs`).toBe(true);
    }
  });

  it('--allow-local-plugins: a study naming a local plugin module is refused without it (nothing imported or created); with it every cell runs, its kd run allowed too', async () => {
    const file = writeLocalKdStudy(
      work,
      `import { writeFileSync } from 'node:fs';\n` + `writeFileSync(new URL('./local-kd-imported', import.meta.url), 'imported\\n');\n`,
    );
    const refused = await runKd(['sweep', file]);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain('/plugins/0: "./local-kd.mjs" is a local module');
    expect(refused.stderr).toContain('--allow-local-plugins');
    expect(existsSync(join(work, 'local-kd-imported'))).toBe(false);
    expect(existsSync(join(work, 'local-plugin'))).toBe(false);

    const e = ok(await runKd(['sweep', file, '--allow-local-plugins']));
    expect(e.stderr).toContain('1 finished, 0 skipped');
    const dir = join(work, 'local-plugin', 'runs', 'local_kd-s0');
    expect(summary(dir).status).toBe('finished');
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).distiller.name).toBe('local-kd');
    expect(weights(dir).equals(reference.get('kd-s0')!), 'local_kd-s0 trains as kd-s0').toBe(true);
    const emitted = ok(await runKd(['sweep', file, '--allow-local-plugins', '--emit', join(work, 'local-jobs.jsonl')]));
    expect(emitted.stdout).toContain('--index i --allow-local-plugins');
  });

  it('--emit writes one line per cell; kd run --from … --index i runs cell i (the same bytes), and skips it once finished', async () => {
    const file = writeStudy(work, 'indexed.json', 'indexed');
    const jobs = join(work, 'jobs.jsonl');
    ok(await runKd(['sweep', file, '--emit', jobs]));
    const lines = readFileSync(jobs, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { index: number; name: string; hash: string; config: string; threads: number });
    expect(lines.map((l) => [l.index, l.name, l.hash])).toEqual(CELLS.map((c, i) => [i, c, hashes.get(c)]));
    expect(lines[2]!).toMatchObject({ config: 'indexed/cells/dkd-s0.json', runDir: 'indexed/runs/dkd-s0', threads: 1 });
    expect(existsSync(join(work, 'indexed', 'runs'))).toBe(false);
    for (let i = 0; i < lines.length; i++) {
      ok(await runKd(['run', '--from', jobs, '--index', String(i)]));
      expect(
        weights(join(work, 'indexed', 'runs', CELLS[i]!)).equals(reference.get(CELLS[i]!)!),
        `${CELLS[i]}: final/network.bin differs`,
      ).toBe(true);
    }
    const again = ok(await runKd(['run', '--from', jobs, '--index', '1']));
    expect(again.stderr).toContain('cell kd-s1 already finished');
    const out = await runKd(['run', '--from', jobs, '--index', '4']);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('--index: got 4; expected an integer from 0 to 3');
  });

  it('--report: mean ± std over seeds per method as Markdown, written as JSON', async () => {
    const e = ok(await runKd(['sweep', join(work, 'study.json'), '--report']));
    expect(e.stdout).toMatch(/\| kd \| distiller\.name="kd" \| 2\/2 \| \d+\.\d\d ± \d+\.\d\d \| \d+\.\d\d ± \d+\.\d\d \|/);
    expect(e.stdout).toMatch(/\| dkd \| distiller\.name="dkd" \| 2\/2 \|/);
    const report = JSON.parse(readFileSync(join(work, 'study', 'report.json'), 'utf8'));
    expect(report.groups.map((g: { group: string }) => g.group)).toEqual(['kd', 'dkd']);
    const tops = CELLS.slice(0, 2).map(
      (c) => JSON.parse(readFileSync(join(work, 'study', 'runs', c, 'summary.json'), 'utf8')).final['student.top1'] as number,
    );
    expect(report.groups[0].last.mean).toBeCloseTo((tops[0]! + tops[1]!) / 2, 12);
    expect(readdirSync(join(work, 'study', 'runs')).sort()).toEqual([...CELLS].sort());
    // Without "compare" the page is the table alone.
    const html = readFileSync(join(work, 'study', 'report.html'), 'utf8');
    expect(html).toMatch(/<td>kd<\/td><td>distiller\.name=(&quot;|")kd(&quot;|")<\/td><td>2\/2<\/td>/);
    expect(html).not.toContain('data-chart=');
  });

  it('--report with "compare": each group’s difference to the compared one, with its 95 % interval', async () => {
    const e = ok(await runKd(['sweep', writeStudy(work, 'study-compare.json', 'study', { compare: ['kd'] }), '--report']));
    const report = JSON.parse(readFileSync(join(work, 'study', 'report.json'), 'utf8'));
    const top = (c: string) =>
      JSON.parse(readFileSync(join(work, 'study', 'runs', c, 'summary.json'), 'utf8')).final['student.top1'] as number;
    const [kd, dkd] = [report.groups[0], report.groups[1]];
    expect(kd.versus).toEqual({});
    expect(dkd.versus.kd.diff).toBeCloseTo((top('dkd-s0') + top('dkd-s1')) / 2 - (top('kd-s0') + top('kd-s1')) / 2, 12);
    expect(dkd.versus.kd.lo).toBeLessThanOrEqual(dkd.versus.kd.diff);
    expect(dkd.versus.kd.hi).toBeGreaterThanOrEqual(dkd.versus.kd.diff);
    // one comparison: Holm's adjustment leaves its p as it is
    expect(report.comparisons).toBe(1);
    expect(dkd.versus.kd.holm).toBe(dkd.versus.kd.p);
    expect(e.stdout).toContain('| Δ vs kd [95 % CI] |');
    expect(e.stdout).toMatch(/\| dkd \| .* \| [+−]\d+\.\d\d \[[+−]\d+\.\d\d, [+−]\d+\.\d\d\]( \*)? \|/);
    // The page beside report.json: the same table, and dkd's difference to kd in points with its interval as error bars.
    const html = readFileSync(join(work, 'study', 'report.html'), 'utf8');
    expect(html).toContain('Δ vs kd [95 % CI]');
    expect(html).toContain('data-chart="study:delta-kd"');
    const bar = /<g class="bar" data-label="dkd" data-value="([^"]+)" data-error="[^"]*" data-lo="([^"]+)" data-hi="([^"]+)">/.exec(html);
    expect(bar, 'the dkd bar with its interval').not.toBeNull();
    expect(Number(bar![1])).toBeCloseTo(100 * dkd.versus.kd.diff, 9);
    expect(Number(bar![2])).toBeCloseTo(100 * dkd.versus.kd.lo, 9);
    expect(Number(bar![3])).toBeCloseTo(100 * dkd.versus.kd.hi, 9);
    expect(html).not.toMatch(/data-label="kd"/);
  });

  it('a failing cell does not stop the others; it is reported with its reason (exit 1), listed by --report, and not rerun', async () => {
    writeConfig(work, 'scratch.json', tinyConfig('unused', {}, { ...STUDY_SIZE, epochs: 1 }));
    const file = writeConfig(work, 'failing.json', {
      base: 'scratch.json',
      axes: { lr: [{ 'training.optimizer.lr': 1e30 }, { 'training.optimizer.lr': 0.05 }] },
      output: 'failing',
    });
    const e = await runKd(['sweep', file, '--jobs', '2']);
    expect(e.code, e.stderr).toBe(1);
    expect(e.stderr).toMatch(/scratch-lr1e\+30: failed in [\d.]+ s — diverged: /);
    expect(e.stderr).toContain('1 finished, 0 skipped (already finished), 1 failed: scratch-lr1e+30');
    expect(summary(join(work, 'failing', 'runs', 'scratch-lr0.05')).status).toBe('finished');
    const report = ok(await runKd(['sweep', file, '--report']));
    expect(report.stdout).toMatch(/## Failed \(1\)\n\n- scratch-lr1e\+30 \(failed\): diverged: /);
    // report.json carries each stopped cell's failure kind, so a reader can tell a final failure from a resumable one.
    const cells = JSON.parse(readFileSync(join(work, 'failing', 'report.json'), 'utf8')).cells as { name: string; failure?: string }[];
    expect(cells.find((c) => c.name === 'scratch-lr1e+30')?.failure).toBe('diverged');
    expect(cells.find((c) => c.name === 'scratch-lr0.05')).not.toHaveProperty('failure');
    const again = await runKd(['sweep', file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('scratch-lr1e+30: failed before and would fail again');
    // While a live process holds a cell's run lock (a sweep training it now), a report says it runs and who runs it.
    const lock = join(work, 'failing', 'runs', 'scratch-lr1e+30', '.kd-lock');
    writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname(), startedAt: 'then' }));
    const during = ok(await runKd(['sweep', file, '--report']));
    expect(during.stdout).toContain(`## Running (1)\n\n- scratch-lr1e+30: running now (pid ${process.pid} on ${hostname()}, since then)`);
    expect(during.stdout).not.toContain('## Failed');
    rmSync(lock);
  });
});
