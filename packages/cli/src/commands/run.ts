import { resolve } from 'node:path';
import { RunEvents } from '@kd/core';
import { stopOnSignals } from '../stop-on-signals.js';
import { tryWriteRunReport } from '@kd/report';
import type { CliIo } from '../io.js';
import { attachProgress } from '../progress.js';
import { formatMetric } from '../format-metric.js';
import { createRuntime, type CliOptions } from '../runtime.js';

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
