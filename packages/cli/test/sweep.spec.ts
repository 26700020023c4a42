import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, tempDir, tinyConfig, writeConfig } from '@kd/testing';
import { runKd } from './spawn-kd.js';
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

  it('a sweep SIGKILLed with its process group mid-way: the next one resumes the interrupted cells from their checkpoints, each finishing once with the same bytes', async () => {
    const file = writeStudy(work, 'kill.json', 'kill');
    const child = spawn(
      process.execPath,
      [
        '--conditions=@kd/source',
        '--import',
        '@swc-node/register/esm-register',
        join(repoRoot, 'packages/cli/src/bin.ts'),
        'sweep',
        file,
        '--jobs',
        '2',
      ],
      {
        cwd: repoRoot,
        // Each cell pauses itself in its second epoch (8 steps an epoch), so the kill always lands mid-run, after the
        // first epoch's checkpoint; the sweep passes its environment on to the cells.
        env: { ...process.env, KD_CRASH_AT: 'step:12:SIGSTOP' },
        stdio: 'ignore',
        detached: true,
      },
    );
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
    expect(e.stdout).toContain('| Δ vs kd [95 % CI] |');
    expect(e.stdout).toMatch(/\| dkd \| .* \| [+−]\d+\.\d\d \[[+−]\d+\.\d\d, [+−]\d+\.\d\d\]( \*)? \|/);
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
    const again = await runKd(['sweep', file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('scratch-lr1e+30: failed before and would fail again');
  });
});
