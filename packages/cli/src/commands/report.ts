import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { writeBenchReport, writeComparisonReport, writeRunReport } from '@kd/report';
import type { CliIo } from '../io.js';
import type { DefineCommand } from '../context.js';

/**
 * `kd report <run-dir>` rewrites that run's report.html (`--out f`: writes it to f and leaves the run directory alone);
 * `kd report <run-dir> <run-dir>...` writes one comparison page (`--out`, default `kd-comparison.html`) and touches
 * none of the runs; `kd report <bench>.json` renders a benchmark aggregate beside it.
 */
export async function reportCommand(args: { targets: readonly string[]; out?: string; json: boolean }, io: CliIo): Promise<number> {
  const targets = args.targets.map((t) => resolve(io.cwd, t));
  const out = args.out ? resolve(io.cwd, args.out) : undefined;
  let written: string[];
  if (targets.length === 1 && targets[0]!.endsWith('.json') && existsSync(targets[0]!) && statSync(targets[0]!).isFile()) {
    written = [writeBenchReport(targets[0]!, out)];
  } else if (targets.length === 1) {
    written = [writeRunReport(targets[0]!, {}, out)];
  } else {
    written = [writeComparisonReport(targets, out ?? resolve(io.cwd, 'kd-comparison.html'))];
  }
  if (args.json) io.out(`${JSON.stringify({ written }, null, 2)}\n`);
  else io.out(written.map((w) => `report written: ${w}\n`).join(''));
  return 0;
}

export const defineReport: DefineCommand = (program, ctx) => {
  program
    .command('report')
    .summary('HTML reports: of a run, a comparison of runs, or a benchmark aggregate')
    .description(
      "kd report <run-dir>: (re)write the run's self-contained report.html (every kd run writes one). " +
        'kd report <run-dir> <run-dir>...: one page comparing the runs (metrics side by side, overlaid curves); the runs ' +
        'are read, never rewritten. ' +
        'kd report <bench-results/name.json>: a benchmark aggregate as a page (by default beside it, name.html).',
    )
    .argument('<targets...>', 'one or more run directories, or one bench .json')
    .option('--out <file>', 'write the page here (one run: leaves the run directory alone; several: default kd-comparison.html)')
    .option('--json', 'print the written paths as JSON on stdout', false)
    .action(async (targets: string[], flags: { out?: string; json: boolean }) => {
      ctx.exitCode = await reportCommand({ targets, ...(flags.out ? { out: flags.out } : {}), json: flags.json }, ctx.io);
    });
};
