import { resolve } from 'node:path';
import { KdInputError, writeFileAtomic } from '@kd/core';
import { SIGNAL_EXIT_CODES } from '@kd/core/host';
import {
  LocalExecutor,
  planStudy,
  readStudy,
  reportMarkdown,
  studyReport,
  writeJobsFile,
  type CellResult,
  runnableTasks,
  type PlannedCell,
} from '@kd/sweep';
import { studyReportHtml } from './study-html.js';
import type { CliIo } from '../io.js';
import { createRuntime, type CliOptions } from '../runtime.js';
import { selfCommand } from './self-command.js';
import { UsageError, type DefineCommand } from '../context.js';
import { sweepQueueCommand } from './sweep-queue.js';
import { sweepEta } from '../sweep-eta.js';

export interface SweepArgs {
  readonly study: string;
  readonly dryRun: boolean;
  readonly jobs?: string | undefined;
  readonly emit?: string | undefined;
  readonly report: boolean;
  readonly out?: string | undefined;
  readonly json: boolean;
}

const overridesText = (c: PlannedCell) =>
  Object.entries(c.overrides)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(' ');

/**
 * `kd sweep <study.json>`: expands, validates and hashes every cell, then (by default) runs the cells not yet
 * finished with the local executor; `--dry-run` lists them, `--emit` writes a jobs file for indexed executors,
 * `--report` aggregates the finished ones.
 */
export async function sweepCommand(args: SweepArgs, io: CliIo, options: CliOptions): Promise<number> {
  const modes = [args.dryRun && '--dry-run', args.emit !== undefined && '--emit', args.report && '--report'].filter(Boolean);
  if (modes.length > 1) throw new KdInputError(`kd sweep: ${modes.join(' and ')} exclude each other`);
  const jobs = args.jobs === undefined ? 1 : Number(args.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) throw new KdInputError(`--jobs: got ${JSON.stringify(args.jobs)}; expected an integer >= 1`);
  if (args.jobs !== undefined && modes.length) throw new KdInputError(`--jobs applies to running a sweep, not to ${modes[0]}`);
  const study = readStudy(resolve(io.cwd, args.study));
  const runtime = createRuntime(io, options);
  const readOnly = args.dryRun || args.report;
  const plan = await planStudy(study, runtime, { write: !readOnly, full: !args.report });
  const say = (t: string) => io.err(`kd: sweep: ${t}\n`);
  if (!args.report)
    say(
      `${plan.cells.length} cells checked in ${plan.checked.seconds.toFixed(1)} s (all by the schema; per group of seeds, ${plan.checked.groups} by the rules past it, ${plan.checked.full} through every check kd run makes)`,
    );

  if (args.dryRun) {
    if (args.json)
      io.out(
        `${JSON.stringify(
          plan.cells.map((c) => ({ name: c.name, hash: c.hash, state: c.state.kind, overrides: c.overrides, base: c.base })),
          null,
          2,
        )}\n`,
      );
    else for (const c of plan.cells) io.out(`${c.name}  ${c.hash.slice(0, 12)}  ${c.state.kind.padEnd(7)}  ${overridesText(c)}\n`);
    return 0;
  }
  if (args.emit !== undefined) {
    const file = resolve(io.cwd, args.emit);
    const lines = writeJobsFile(file, plan);
    io.out(
      `${file}: ${lines.length} cells; run cell i with: kd run --from ${file} --index i${options.allowLocalPlugins ? ' --allow-local-plugins' : ''}\n`,
    );
    return 0;
  }
  if (args.report) {
    const report = studyReport(plan);
    const file = args.out ? resolve(io.cwd, args.out) : resolve(study.root, 'report.json');
    writeFileAtomic(file, `${JSON.stringify(report, null, 2)}\n`);
    const markdown = reportMarkdown(report);
    const html = `${file.replace(/\.json$/, '')}.html`;
    writeFileAtomic(html, studyReportHtml(report, markdown));
    io.out(args.json ? `${JSON.stringify(report, null, 2)}\n` : markdown);
    say(`report: ${file}, ${html}`);
    return 0;
  }

  const skipped = plan.cells.filter((c) => c.state.kind === 'done');
  const final = plan.cells.filter((c) => c.state.kind === 'failed');
  for (const c of skipped) say(`${c.name}: already finished (${c.runDir}), skipped`);
  for (const c of final)
    say(`${c.name}: failed before and would fail again (${c.state.kind === 'failed' ? c.state.summary.failure?.message : ''}); not rerun`);
  const tasks = runnableTasks(plan);
  let started = 0;
  const executor = new LocalExecutor({
    jobs,
    kd: selfCommand(),
    allowLocalPlugins: options.allowLocalPlugins === true,
    onStart: (t) => say(`[${++started}/${tasks.length}] ${t.action === 'resume' ? 'resuming' : 'starting'} ${t.name} (log ${t.log})`),
  });
  // A scheduler or `kill` stops the sweep with SIGTERM: the running cells are told to checkpoint and stop, and the
  // next sweep resumes them. Ctrl-C reaches every process of the terminal's group, the cells included, by itself.
  const abort = new AbortController();
  let stopped: 'SIGINT' | 'SIGTERM' | null = null;
  const onTerm = () => {
    stopped = 'SIGTERM';
    say('SIGTERM: stopping the running cells at their next step (they resume on the next sweep)');
    abort.abort();
  };
  const onInt = () => {
    stopped = 'SIGINT';
    say('SIGINT: no further cells start; the running ones checkpoint and stop');
    abort.abort('drain');
  };
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  const results: CellResult[] = [];
  const startedAt = performance.now();
  try {
    for await (const r of executor.run(tasks, abort.signal)) {
      results.push(r);
      const eta = sweepEta((performance.now() - startedAt) / 1000, results.length, tasks.length);
      say(`${r.name}: ${r.status} in ${r.seconds.toFixed(1)} s${r.reason ? ` — ${r.reason}` : ''} (${eta})`);
    }
  } finally {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
  }
  const failed = results.filter((r) => r.status !== 'finished');
  const done = results.length - failed.length;
  say(
    `${done} finished, ${skipped.length} skipped (already finished), ${failed.length + final.length} failed` +
      (tasks.length > results.length ? `, ${tasks.length - results.length} not started` : '') +
      (failed.length + final.length ? `: ${[...failed.map((r) => r.name), ...final.map((c) => c.name)].join(', ')}` : ''),
  );
  if (args.json)
    io.out(
      `${JSON.stringify(
        {
          study: study.file,
          cells: plan.cells.map((c) => {
            const r = results.find((x) => x.name === c.name);
            return {
              name: c.name,
              hash: c.hash,
              runDir: c.runDir,
              status: r ? r.status : c.state.kind === 'done' ? 'skipped' : c.state.kind === 'failed' ? 'failed' : 'not started',
              ...(r?.reason ? { reason: r.reason } : {}),
            };
          }),
        },
        null,
        2,
      )}\n`,
    );
  if (stopped) return SIGNAL_EXIT_CODES[stopped as 'SIGINT' | 'SIGTERM'];
  return failed.length + final.length ? 1 : 0;
}

interface SweepFlags {
  readonly jobs?: string;
  readonly dryRun: boolean;
  readonly emit?: string;
  readonly report: boolean;
  readonly out?: string;
  readonly queue?: string;
  readonly status: boolean;
  readonly retryFailed: boolean;
  readonly json: boolean;
  readonly allowLocalPlugins: boolean;
}

const ALLOW_LOCAL_PLUGINS_CELLS =
  'import the module paths the cell configs list in "plugins", here and in every cell\'s kd run (a plugin is code: allow it only for studies you trust; installed packages are always allowed)';

export const defineSweep: DefineCommand = (program, ctx) => {
  program
    .command('sweep')
    .summary('every cell of a study (configs × axes × seeds): run locally, list, emit for a scheduler, queue, report')
    .description(
      'Expand a study (base configs × axes × seeds) and check every cell before anything runs; then run the unfinished ' +
        'cells as kd child processes (finished cells skipped, interrupted ones resumed). With --queue the cells go to a ' +
        'BullMQ queue on Redis instead, for kd worker processes to run (needs @kd/sweep-bullmq).',
    )
    .argument('<study>', 'the study file (JSON)')
    .option('--jobs <n>', 'cells run at once, each in its own process (default 1)')
    .option('--dry-run', 'list the cells (name, hash, state, overrides) and run nothing', false)
    .option('--emit <jobs.jsonl>', 'write one line per cell for kd run --from <jobs.jsonl> --index <i> (Slurm, Kubernetes)')
    .option(
      '--report',
      'mean ± std over seeds per group of the finished cells, as Markdown (and report.json, report.html: the page, with each group’s difference to the first compared group and its 95 % interval)',
      false,
    )
    .option('--out <file.json>', 'with --report: where to write the JSON report (default: report.json beside the study)')
    .option('--queue <redis-url>', 'enqueue the unfinished cells on this Redis (redis://host:6379) instead of running them')
    .option('--status', 'with --queue: where each cell is (queued / active / completed / failed, with the reason)', false)
    .option('--retry-failed', 'with --queue: queue the failed cells again', false)
    .option('--json', 'print the result as JSON on stdout', false)
    .option('--allow-local-plugins', ALLOW_LOCAL_PLUGINS_CELLS, false)
    .action(async (study: string, flags: SweepFlags) => {
      ctx.config = study;
      const options = flags.allowLocalPlugins ? { ...ctx.options, allowLocalPlugins: true } : ctx.options;
      if (flags.queue !== undefined) {
        if (flags.jobs !== undefined || flags.dryRun || flags.emit !== undefined || flags.report)
          throw new UsageError('--queue submits the study to workers: --jobs, --dry-run, --emit and --report run without it');
        ctx.exitCode = await sweepQueueCommand(
          { study, queue: flags.queue, status: flags.status, retryFailed: flags.retryFailed, json: flags.json },
          ctx.io,
          options,
        );
        return;
      }
      if (flags.status || flags.retryFailed) throw new UsageError('--status and --retry-failed need --queue redis://…');
      ctx.exitCode = await sweepCommand(
        { study, dryRun: flags.dryRun, jobs: flags.jobs, emit: flags.emit, report: flags.report, out: flags.out, json: flags.json },
        ctx.io,
        options,
      );
    });
};
