import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { writeBenchReport, writeComparisonReport, writeRunReport } from '@kd/report';
import type { CliIo } from '../io.js';

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
