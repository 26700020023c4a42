import { dirname, join, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { KdInputError, writeFileAtomic } from '@kd/core';
import { readRun, type ReadRunOptions } from './run-data.js';
import { renderRunReport } from './run-report.js';
import { renderComparison } from './comparison-report.js';
import { renderBenchReport, type BenchAggregate } from './bench-report.js';

/** The report's file name inside a run directory. */
export const REPORT_FILE = 'report.html';

/** Writes `<runDir>/report.html` atomically (a crash leaves the previous report or none, never half of one). */
export function writeRunReport(runDir: string, options: ReadRunOptions = {}, outFile = join(runDir, REPORT_FILE)): string {
  // writeFileAtomic creates the parent directory.
  const file = resolve(outFile);
  writeFileAtomic(file, renderRunReport(readRun(runDir, options)));
  return file;
}

/**
 * Writes a run's report for `kd run`, where a report must never cost the results: any failure to read or render
 * comes back as a message for a warning instead of an exception.
 */
export function tryWriteRunReport(runDir: string, options: ReadRunOptions = {}): { file: string } | { error: string } {
  try {
    return { file: writeRunReport(runDir, options) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** Writes one page comparing several runs. */
export function writeComparisonReport(runDirs: readonly string[], outFile: string, options: ReadRunOptions = {}): string {
  const runs = runDirs.map((d) => readRun(resolve(d), options));
  const file = resolve(outFile);
  writeFileAtomic(file, renderComparison(runs, { outFile: file }));
  return file;
}

/** Reads a benchmark aggregate (tools/bench `<out>/<name>.json`) and writes its page beside it (`<name>.html`). */
export function writeBenchReport(
  aggregateFile: string,
  outFile = aggregateFile.replace(/\.json$/, '') + '.html',
  options: { readonly markdown?: string } = {},
): string {
  let aggregate: BenchAggregate;
  try {
    aggregate = JSON.parse(readFileSync(aggregateFile, 'utf8')) as BenchAggregate;
  } catch (e) {
    throw new KdInputError(`${aggregateFile}: not a readable JSON file (${(e as Error).message})`);
  }
  if (!aggregate || typeof aggregate !== 'object' || typeof aggregate.results !== 'object' || aggregate.results === null)
    throw new KdInputError(`${aggregateFile}: /results: expected the benchmark's per-method results object (tools/bench output)`);
  writeFileAtomic(outFile, renderBenchReport(aggregate, { runsDir: join(dirname(aggregateFile), 'runs'), ...options }));
  return outFile;
}
