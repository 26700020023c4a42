// Runs a distiller package's benchmark: the shared bench teacher (trained once, reused while its config is
// unchanged), then every method config for each seed, through the real `kd` CLI; writes mean ± std of final- and
// best-epoch accuracy, time, img/s and peak tensor memory to <out>/<name>.json and prints a table.
//
//   node tools/bench/bench.mjs --name kd --out bench-results [--seeds 3] [--teacher configs/bench/teacher.json] \
//        scratch=configs/bench/student-scratch.json kd=configs/bench/student-kd.json
//   node tools/bench/bench.mjs --teacher-only      (the `bench:teacher` Nx target, cached by Nx)
//
// The student runs are one `kd sweep` study (methods × seeds) under --cache/<mode>/<code state>/: finished cells are
// skipped by content hash, so methods several packages share (scratch, kd) train once per code state and teacher.
// Thread counts are fixed — the teacher trains alone on 2 wasm threads, every student run on 1 — so a bench's numbers
// do not depend on the machine's core count, on --jobs or on the workers (with @kd/tfjs-onednn the filter gradient's
// sums are split by thread: another count changes the last bits, and with them a training trajectory).
// --jobs N (or KD_BENCH_JOBS) trains N student runs of the package at once; on a 2-core machine two single-threaded
// runs get twice as much done. img/s is then per run, on a shared machine, and the result file says so.
// --queue redis://host:6379 sends the student runs to a BullMQ queue instead, for `kd worker --queue …` processes on
// any machine that sees the cache directory, and waits for them (`nx run-many -t bench -- --queue …` spreads a whole
// benchmark).
// --epochs N (full mode only) trains each student N epochs instead of lib.ts's FULL.studentEpochs.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readMetrics, readProvenance, readRunSummary, type RunSummary } from '@kd/core/host';
import { formatStat } from '@kd/sweep';
import type { BenchMethodResult, BenchResultFile, BenchRun, Mode } from './bench-result.js';
import type { ConfigFile } from './config-file.js';
import { adapt as adaptToMode, stats } from './lib.js';
import { REPO_ROOT as root, repoRelative as rel } from './paths.js';

/** What `kd sweep --json` prints after running a study: its cells in the study's order. */
interface SweepRunOutput {
  readonly cells: readonly { readonly runDir: string }[];
}
/** A row of `kd sweep --queue … --status --json`. */
interface QueueStatusRow {
  readonly name: string;
  readonly state: string;
  readonly detail?: string;
}
/** A planned cell of `kd sweep --dry-run --json`. */
interface PlannedCellOutput {
  readonly name: string;
}

// The built CLI, or with KD_BENCH_FROM_SOURCE=1 its TypeScript sources (tests run before anything is built).
const kdCommand =
  process.env['KD_BENCH_FROM_SOURCE'] === '1'
    ? ['--conditions=@kd/source', '--import', '@swc-node/register/esm-register', join(root, 'packages/cli/src/bin.ts')]
    : [join(root, 'packages/cli/dist/bin.js')];
const THREADS = { teacher: 2, student: 1 } as const;

const children = new Set<ChildProcess>();
function fail(message: string): never {
  for (const c of children) c.kill();
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

const readConfig = (file: string): ConfigFile => JSON.parse(readFileSync(file, 'utf8')) as ConfigFile;

/** Whether Debian's full Fashion-MNIST (or $KD_SYSTEM_FASHION_MNIST_DIR) holds the four IDX files. */
function fullFashionMnistInstalled(): boolean {
  const dir = process.env['KD_SYSTEM_FASHION_MNIST_DIR'] || '/usr/share/datasets/fashion-mnist';
  return ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'].every(
    (f) => existsSync(join(dir, `${f}.gz`)) || existsSync(join(dir, f)),
  );
}

/** `kd <args>` in a child process with its stdout parsed as JSON; its progress and messages go to our stderr. */
function kdJson<T>(args: readonly string[], label: string, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [...kdCommand, ...args, '--json'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env });
    children.add(child);
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('close', (code) => {
      children.delete(child);
      const text = Buffer.concat(chunks).toString();
      if (code !== 0) fail(`${label}: kd ${args.join(' ')} exited with code ${code}${text ? `\n${text}` : ''}`);
      resolvePromise(JSON.parse(text) as T);
    });
  });
}

/** A run's summary.json, which a finished `kd run` always leaves. */
function summaryOf(dir: string): RunSummary {
  return readRunSummary(dir) ?? fail(`${dir}: no summary.json; expected a finished kd run there`);
}

export async function main(argv: readonly string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      out: { type: 'string', default: 'bench-results' },
      seeds: { type: 'string', default: '3' },
      teacher: { type: 'string', default: join(root, 'configs/bench/teacher.json') },
      'teacher-only': { type: 'boolean', default: false },
      smoke: { type: 'boolean', default: false },
      full: { type: 'boolean', default: false },
      cache: { type: 'string', default: join(root, 'runs/bench/cache') },
      // The teacher's run directory as the Nx target declares it in its outputs: checked against the config's.
      teacherDir: { type: 'string' },
      jobs: { type: 'string', default: process.env['KD_BENCH_JOBS'] || '1' },
      epochs: { type: 'string' },
      // A Redis URL: the student runs go to a BullMQ queue for `kd worker`s (on any machine seeing the cache root).
      queue: { type: 'string' },
    },
  });
  const name = values.name;
  if (!name && !values['teacher-only']) fail('--name is required');
  if (values.smoke && values.full) fail('--smoke and --full exclude each other');
  // smoke: seconds per package for CI (1 seed, 1 epoch, a few hundred images, its own tiny teacher); full: every image
  // of the full Fashion-MNIST (Debian's dataset-fashion-mnist, required), teacher and students; standard: the shipped
  // subset. lib.ts's adapt() says what each mode changes in a config.
  const mode: Mode = values.smoke ? 'smoke' : values.full ? 'full' : 'standard';
  const seeds = Number(values.smoke && !argv.includes('--seeds') ? '1' : values.seeds);
  if (!Number.isInteger(seeds) || seeds < 1) fail(`--seeds: got ${values.seeds}; expected an integer >= 1`);
  const jobs = Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) fail(`--jobs (or KD_BENCH_JOBS): got ${JSON.stringify(values.jobs)}; expected an integer >= 1`);
  const epochs = values.epochs === undefined ? undefined : Number(values.epochs);
  if (epochs !== undefined && mode !== 'full') fail('--epochs applies to full mode only (--full)');
  if (epochs !== undefined && (!Number.isInteger(epochs) || epochs < 1))
    fail(`--epochs: got ${JSON.stringify(values.epochs)}; expected an integer >= 1`);
  const methods = values['teacher-only']
    ? []
    : positionals.map((p) => {
        const i = p.indexOf('=');
        if (i < 1) fail(`expected <method>=<config.json>, got "${p}"`);
        return { method: p.slice(0, i), config: resolve(p.slice(i + 1)) };
      });
  if (methods.length === 0 && !values['teacher-only']) fail('no method configs given');
  const out = mode === 'standard' ? resolve(values.out) : join(resolve(values.out), mode);
  const fullFashionMnist = mode === 'full' && fullFashionMnistInstalled();

  /** What the mode changes in a config (lib.ts); a config full mode cannot run is a usage error. */
  const adapt = (c: ConfigFile, role: 'teacher' | 'student'): ConfigFile => {
    try {
      return adaptToMode(c, role, mode, { fullFashionMnist, ...(epochs !== undefined ? { epochs } : {}) });
    } catch (e) {
      return fail((e as Error).message);
    }
  };

  /** `kd run --json` in a child process: the teacher trains alone, on the teacher's thread count. */
  const trainTeacher = (config: string) =>
    kdJson<unknown>(['run', config, '--allow-local-plugins'], 'teacher', {
      ...process.env,
      KD_PROGRESS_LABEL: 'teacher',
      KD_WASM_THREADS: String(THREADS.teacher),
    });

  // The teacher is trained once; it is retrained only when its config (after the mode's changes) changes.
  const sourceTeacherConfig = resolve(values.teacher);
  let teacherConfig = sourceTeacherConfig;
  if (mode !== 'standard') {
    const c = adapt(readConfig(sourceTeacherConfig), 'teacher');
    c.output = {
      ...c.output,
      dir: resolve(dirname(sourceTeacherConfig), c.output?.dir ?? fail(`${sourceTeacherConfig}: no output.dir`)) + `-${mode}`,
    };
    delete c.$schema;
    mkdirSync(join(out, 'configs'), { recursive: true });
    teacherConfig = join(out, 'configs', 'teacher.json');
    writeFileSync(teacherConfig, `${JSON.stringify(c, null, 2)}\n`);
  }
  const teacherJson = readConfig(teacherConfig);
  const teacherDir = resolve(dirname(teacherConfig), teacherJson.output?.dir ?? fail(`${teacherConfig}: no output.dir`));
  const teacherHash = createHash('sha256').update(readFileSync(teacherConfig)).digest('hex');
  if (values.teacherDir && resolve(root, values.teacherDir) !== teacherDir)
    fail(
      `the teacher config writes ${teacherDir}, but the Nx target declares ${resolve(root, values.teacherDir)} as its output (tools/bench/package.json, teacherDir): make them agree`,
    );
  const stamp = join(teacherDir, 'bench-source.sha256');
  // summary.json records failed and interrupted runs too: only a finished one is reused.
  if (readRunSummary(teacherDir)?.status !== 'finished' || !existsSync(stamp) || readFileSync(stamp, 'utf8') !== teacherHash) {
    process.stderr.write(`bench: training the bench teacher (${teacherConfig})\n`);
    await trainTeacher(teacherConfig);
    writeFileSync(stamp, teacherHash);
  } else process.stderr.write(`bench: reusing the bench teacher in ${teacherDir}\n`);
  const teacherSummary = summaryOf(teacherDir);
  const teacherTop1 = teacherSummary.final['student.top1'] ?? fail(`${teacherDir}/summary.json: no student.top1 among the final metrics`);
  if (values['teacher-only'] || !name) {
    console.log(`bench teacher: ${(100 * teacherTop1).toFixed(2)}% top-1 in ${teacherDir}`);
    return;
  }
  mkdirSync(join(out, 'configs'), { recursive: true });

  /** A copy of a method's config with absolute paths, as the mode adapted it: the study's base for that method. */
  const methodBase = (config: string): ConfigFile => {
    const base = dirname(config);
    const c = adapt(readConfig(config), 'student');
    const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
    delete c.$schema;
    if (c.teacher?.weights) c.teacher.weights = mode === 'standard' ? abs(c.teacher.weights) : teacherDir;
    if (typeof c.dataset?.['dir'] === 'string') c.dataset = { ...c.dataset, dir: abs(c.dataset['dir']) };
    c.plugins = (c.plugins ?? []).map((p) => (p.startsWith('.') ? abs(p) : p));
    delete c.output;
    return c;
  };

  /*
   * The students run as one `kd sweep` study: the methods × the seeds, each cell a child `kd run` on one thread,
   * locally (--jobs) or through a Redis queue (--queue) for `kd worker`s on other machines. Runs are deterministic (same
   * config, seed, code, teacher and backend → same numbers), so every package's study shares one output root per code
   * state and teacher: a method that several packages compare against (scratch, kd) with the same config has the same
   * cell, which the sweep skips once it has finished. A base file is named after its method and a hash of its config,
   * so two packages' different configs under one method name never meet in one run directory.
   */
  const git = (...a: string[]) => spawnSync('git', a, { cwd: root }).stdout?.toString() ?? '';
  // KD_BENCH_CODE_STAMP names the code state where git cannot (a source tarball, a CI system's build id).
  const codeStamp = createHash('sha256')
    .update(process.env['KD_BENCH_CODE_STAMP'] ?? `${git('rev-parse', 'HEAD')}${git('diff', 'HEAD', '--', 'packages', 'tools')}`)
    .update(teacherHash)
    .update(process.env['KD_BACKEND'] ?? '')
    .update(`threads ${THREADS.student}`)
    .digest('hex')
    .slice(0, 16);
  const studyRoot = join(resolve(values.cache), mode, codeStamp);
  const basesDir = join(studyRoot, 'bases');
  mkdirSync(basesDir, { recursive: true });
  const epochsOf = new Map<string, number>();
  const baseFiles = methods.map(({ method, config }) => {
    const c = methodBase(config);
    epochsOf.set(method, c.training.epochs);
    const text = `${JSON.stringify(c, null, 2)}\n`;
    const file = join(basesDir, `${method}_${createHash('sha256').update(text).digest('hex').slice(0, 8)}.json`);
    writeFileSync(file, text);
    return file;
  });
  const study = {
    description: `bench ${name} (${mode}): ${methods.map((m) => m.method).join(', ')} × ${seeds} seed(s)`,
    base: baseFiles.map((f) => `bases/${basename(f)}`),
    seeds: Array.from({ length: seeds }, (_, i) => i),
    threads: THREADS.student,
    output: '.',
  };
  const studyFile = join(studyRoot, `${name}.study.json`);
  writeFileSync(studyFile, `${JSON.stringify(study, null, 2)}\n`);

  // The bench's configs are the repository's own, so the local plugin modules they list may be imported.
  const cells = methods.length * seeds;
  let runDirs: string[];
  if (values.queue) {
    await kdJson(['sweep', studyFile, '--queue', values.queue, '--allow-local-plugins'], 'enqueue');
    process.stderr.write(`bench: ${cells} cells on ${values.queue}; waiting for kd workers to run them\n`);
    for (;;) {
      const rows = await kdJson<QueueStatusRow[]>(['sweep', studyFile, '--queue', values.queue, '--status'], 'status');
      const failed = rows.filter((r) => r.state === 'failed');
      if (failed.length) fail(`cells failed on the queue: ${failed.map((r) => `${r.name} (${r.detail})`).join('; ')}`);
      if (rows.every((r) => r.state === 'completed' || r.state === 'finished')) break;
      await new Promise((r) => setTimeout(r, 5000));
    }
    // The study's output root is its own directory: a cell's run is runs/<name> there.
    const plan = await kdJson<PlannedCellOutput[]>(['sweep', studyFile, '--dry-run'], 'plan');
    runDirs = plan.map((c) => join(studyRoot, 'runs', c.name));
  } else {
    const result = await kdJson<SweepRunOutput>(['sweep', studyFile, '--jobs', String(jobs), '--allow-local-plugins'], 'sweep');
    runDirs = result.cells.map((c) => c.runDir);
  }
  if (runDirs.length !== cells) fail(`the study has ${runDirs.length} cells; expected ${cells}`);
  // Cells come base by base, seed by seed.
  const results: Record<string, BenchMethodResult> = {};
  for (const [m, { method, config }] of methods.entries()) {
    const runs: BenchRun[] = [];
    for (let seed = 0; seed < seeds; seed++) {
      const dir = runDirs[m * seeds + seed]!;
      const summary = summaryOf(dir);
      const last = summary.final['student.top1'] ?? fail(`${dir}/summary.json: no student.top1 among the final metrics`);
      const epochs = readMetrics(dir);
      if (!epochs.length) fail(`${dir}/metrics.jsonl: no epochs recorded`);
      runs.push({
        seed,
        last,
        best: summary.best?.value ?? last,
        seconds: summary.seconds,
        imagesPerSecond: epochs.reduce((a, e) => a + e.time.imagesPerSecond, 0) / epochs.length,
        peakBytes: Math.max(...epochs.map((e) => e.memory.numBytes)),
      });
    }
    const reconstruction = readProvenance(runDirs[m * seeds]!).reconstruction;
    results[method] = {
      config: rel(config),
      // The distiller's manifest says when it is a reconstruction; every page showing the row says so too.
      ...(reconstruction ? { reconstruction: reconstruction.what } : {}),
      epochs: epochsOf.get(method),
      last: stats(runs.map((r) => r.last)),
      best: stats(runs.map((r) => r.best)),
      seconds: stats(runs.map((r) => r.seconds)),
      imagesPerSecond: stats(runs.map((r) => r.imagesPerSecond)),
      peakBytes: Math.max(...runs.map((r) => r.peakBytes)),
      runs,
    };
  }

  const gitSha = git('rev-parse', 'HEAD').trim() || null;
  const provenance = readProvenance(runDirs[0]!);
  const report: BenchResultFile = {
    name,
    mode,
    date: new Date().toISOString(),
    seeds,
    jobs,
    threads: THREADS,
    teacher: {
      config: rel(sourceTeacherConfig),
      ...(teacherConfig !== sourceTeacherConfig ? { adaptedConfig: rel(teacherConfig) } : {}),
      top1: teacherTop1,
      params: teacherSummary.studentParams,
      epochs: teacherJson.training.epochs,
    },
    results,
    provenance: { gitSha, node: process.version, backend: provenance.backend, packages: provenance.packages },
  };
  const file = join(out, `${name}.json`);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(report, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);

  console.log(`\nbench ${name}: ${seeds} seed(s); teacher ${(100 * teacherTop1).toFixed(2)}% (${report.teacher.config})`);
  console.log(
    `${'method'.padEnd(12)} ${'last-epoch top-1 %'.padStart(19)} ${'best-epoch top-1 %'.padStart(19)} ${'img/s'.padStart(7)} ${'s/run'.padStart(6)}`,
  );
  for (const [m, r] of Object.entries(results))
    console.log(
      `${m.padEnd(12)} ${formatStat(r.last).padStart(19)} ${formatStat(r.best).padStart(19)} ${(r.imagesPerSecond?.mean ?? NaN).toFixed(0).padStart(7)} ${(r.seconds?.mean ?? NaN).toFixed(0).padStart(6)}`,
    );
  const scratch = results['scratch'];
  if (scratch)
    for (const [m, r] of Object.entries(results))
      if (m !== 'scratch') console.log(`Δ ${m} − scratch (last epoch): ${(100 * (r.last.mean - scratch.last.mean)).toFixed(2)} points`);
  console.log(`written: ${file}`);
  // The same results as a self-contained HTML page (table, Δ vs scratch, accuracy bars, mean curves); a failure to
  // render never loses the JSON above.
  try {
    const { writeBenchReport } = await import('@kd/report');
    console.log(`report: ${writeBenchReport(file)}`);
  } catch (e) {
    console.warn(`bench: report not written (${(e as Error).message})`);
  }
}
