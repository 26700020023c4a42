import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPORT_FILE, tryWriteRunReport, writeBenchReport, writeComparisonReport, writeRunReport } from '@kd/report';
import type { CliIo } from '../io.js';

/**
 * `kd report <run-dir>` rewrites that run's report.html; `kd report <run-dir> <run-dir>...` writes one comparison page
 * (`--out`, default `kd-comparison.html`) after refreshing each run's own report so the page can link to them;
 * `kd report <bench>.json` renders a benchmark aggregate beside it.
 */
export async function reportCommand(args: { targets: readonly string[]; out?: string; json: boolean }, io: CliIo): Promise<number> {
  const targets = args.targets.map((t) => resolve(io.cwd, t));
  let written: string[];
  if (targets.length === 1 && targets[0]!.endsWith('.json') && existsSync(targets[0]!) && statSync(targets[0]!).isFile()) {
    written = [writeBenchReport(targets[0]!, args.out ? resolve(io.cwd, args.out) : undefined)];
  } else if (targets.length === 1) {
    written = [writeRunReport(targets[0]!)];
    if (args.out) written = [writeComparisonReport(targets, resolve(io.cwd, args.out))];
  } else {
    for (const t of targets) {
      const r = tryWriteRunReport(t);
      if ('error' in r && existsSync(join(t, 'config.json'))) io.err(`kd: warning: ${t}/${REPORT_FILE} not refreshed: ${r.error}\n`);
    }
    written = [writeComparisonReport(targets, resolve(io.cwd, args.out ?? 'kd-comparison.html'))];
  }
  if (args.json) io.out(`${JSON.stringify({ written }, null, 2)}\n`);
  else io.out(written.map((w) => `report written: ${w}\n`).join(''));
  return 0;
}
