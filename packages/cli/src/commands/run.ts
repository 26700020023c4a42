import { resolve } from 'node:path';
import { RunEvents } from '@kd/core';
import { stopOnSignals } from '../stop-on-signals.js';
import { tryWriteRunReport } from '@kd/report';
import type { CliIo } from '../io.js';
import { attachProgress } from '../progress.js';
import { formatMetric } from '../format-metric.js';
import { createRuntime, type CliOptions } from '../runtime.js';
import { UsageError, type DefineCommand } from '../context.js';
import { addConfigFlags, withConfigFlags, type ConfigFlags } from '../config-flags.js';
import { runFromCommand } from './run-from.js';

/** `kd run <config>` or `kd run --resume <run-dir>`. */
export async function runCommand(
  args: { config?: string; resume?: string; json: boolean },
  io: CliIo,
  options: CliOptions,
): Promise<number> {
  const runtime = createRuntime(io, options);
  const events = new RunEvents();
  attachProgress(events, io, process.env['KD_PROGRESS_LABEL'] ? `[${process.env['KD_PROGRESS_LABEL']}] ` : '');
  // Known once the run directory exists: a run that fails later still gets a report of what it wrote.
  let runDir: string | undefined;
  events.on('runStart', (e) => void (runDir = e.runDir));
  options.attach?.(events);
  const report = (failure?: string) => {
    if (!runDir) return;
    const r = tryWriteRunReport(runDir, failure === undefined ? {} : { failure });
    if ('error' in r) io.err(`kd: warning: the run's results are intact, but report.html could not be written: ${r.error}\n`);
    else io.err(`kd: report: ${r.file}\n`);
  };
  const { stop, remove } = stopOnSignals((t) => io.err(t));
  let result;
  try {
    result = args.resume
      ? await runtime.resume(resolve(io.cwd, args.resume), { events, stop })
      : await runtime.run(resolve(io.cwd, args.config!), { events, stop, ...(options.overrides ? { overrides: options.overrides } : {}) });
  } catch (e) {
    report((e as Error).message ?? String(e));
    throw e;
  } finally {
    remove();
  }
  report();
  if (args.json) io.out(`${JSON.stringify({ runDir: result.runDir, ...result.summary }, null, 2)}\n`);
  else {
    const final = result.summary['final'] as Record<string, number>;
    const parts = Object.entries(final).map(([k, v]) => formatMetric(k, v));
    io.out(`run finished: ${result.runDir}\n${parts.length ? `final: ${parts.join('  ')}\n` : ''}`);
  }
  return 0;
}

interface RunFlags extends ConfigFlags {
  readonly resume?: string;
  readonly from?: string;
  readonly index?: string;
  readonly json: boolean;
}

export const defineRun: DefineCommand = (program, ctx) => {
  addConfigFlags(
    program
      .command('run')
      .summary('train (and distil) as a config says; --resume continues a run, --from runs a cell of a study')
      .description(
        'Train (and distil) as the config says, writing a run directory (checkpoints, metrics.jsonl, summary.json, report.html). ' +
          'kd run --resume <run-dir> continues an interrupted run from its last checkpoint, to the same final weights. ' +
          'kd run --from <jobs.jsonl> --index <i> runs cell i of a study (kd sweep --emit): skipped when finished, resumed when ' +
          'interrupted (Slurm job arrays, Kubernetes Indexed Jobs).',
      )
      .argument('[config]', 'the pipeline config (JSON); not with --resume or --from')
      .option(
        '--resume <run-dir>',
        'continue the interrupted run in this directory from its last checkpoint (it keeps the config it recorded)',
      )
      .option('--from <jobs.jsonl>', 'a jobs file written by kd sweep --emit (with --index)')
      .option('--index <i>', 'the cell of --from to run, from 0 (e.g. $SLURM_ARRAY_TASK_ID)')
      .option('--json', 'print the run summary as JSON on stdout', false),
  ).action(async (config: string | undefined, flags: RunFlags) => {
    if (flags.from !== undefined || flags.index !== undefined) {
      if (flags.from === undefined || flags.index === undefined || config !== undefined || flags.resume)
        throw new UsageError('kd run --from <jobs.jsonl> --index <i> takes both, and no config or --resume');
      ctx.exitCode = await runFromCommand(
        { from: flags.from, index: flags.index, json: flags.json },
        ctx.io,
        withConfigFlags(ctx.options, flags),
      );
      return;
    }
    if (flags.resume !== undefined) {
      if (config !== undefined) throw new UsageError('kd run --resume takes the run directory, not a config');
      if (flags.set.length)
        throw new UsageError('--set applies to kd run <config>, validate and plan (a resumed run keeps the config it recorded)');
      ctx.exitCode = await runCommand({ resume: flags.resume, json: flags.json }, ctx.io, withConfigFlags(ctx.options, flags));
      return;
    }
    if (config === undefined)
      throw new UsageError('kd run takes a config file (or --resume <run-dir>, or --from <jobs.jsonl> --index <i>)');
    ctx.config = config;
    ctx.exitCode = await runCommand({ config, json: flags.json }, ctx.io, withConfigFlags(ctx.options, flags));
  });
};
