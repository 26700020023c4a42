import { resolve } from 'node:path';
import { KdInputError } from '@kd/core';
import { coreVersion } from '@kd/core/host';
import { cellHash, cellState, readJobLine } from '@kd/sweep';
import type { CliIo } from '../io.js';
import { createRuntime, type CliOptions } from '../runtime.js';
import { runCommand } from './run.js';

/**
 * `kd run --from <jobs.jsonl> --index <i>`: one cell of a study, as a Slurm array task or a Kubernetes Indexed Job
 * pod runs it. Safe to repeat: a finished cell is skipped, an interrupted one resumed from its checkpoint, so a
 * retried or preempted task does the remaining work only.
 */
export async function runFromCommand(
  args: { from: string; index: string; json: boolean },
  io: CliIo,
  options: CliOptions,
): Promise<number> {
  if (!/^\d+$/.test(args.index.trim()))
    throw new KdInputError(
      `--index: got ${JSON.stringify(args.index)}; expected a non-negative integer (e.g. $SLURM_ARRAY_TASK_ID or $JOB_COMPLETION_INDEX)`,
    );
  if (options.overrides?.length)
    throw new KdInputError(
      '--set does not apply to kd run --from: a cell runs the config its study resolved (put the override in the study)',
    );
  const job = readJobLine(resolve(io.cwd, args.from), Number(args.index));
  // The cell's config must still be the one the jobs file was written for: a study changed since would otherwise
  // train a cell under another cell's hash.
  const { config } = await createRuntime(io, options).checkConfigFile(job.config);
  const hash = cellHash(config, coreVersion());
  if (hash !== job.hash)
    throw new KdInputError(
      `${job.config}: cell ${job.name} hashes to ${hash.slice(0, 12)}, the jobs file says ${job.hash.slice(0, 12)}: the cell or kd changed since the file was written; write it again with kd sweep <study> --emit`,
    );
  // Threads change the last bits of a result: every cell runs with the study's count wherever it lands.
  const threads = String(job.threads);
  if (process.env['KD_WASM_THREADS'] !== undefined && process.env['KD_WASM_THREADS'] !== threads)
    io.err(`kd: warning: KD_WASM_THREADS=${process.env['KD_WASM_THREADS']} ignored: the study runs every cell with ${threads}\n`);
  process.env['KD_WASM_THREADS'] = threads;
  process.env['KD_PROGRESS_LABEL'] ??= job.name;
  const state = cellState(job.runDir, job.hash, job.name);
  switch (state.kind) {
    case 'done':
      io.err(`kd: cell ${job.name} already finished in ${job.runDir}; nothing to do\n`);
      if (args.json) io.out(`${JSON.stringify({ runDir: job.runDir, skipped: true, ...state.summary }, null, 2)}\n`);
      return 0;
    case 'failed':
      io.err(
        `kd: cell ${job.name} failed (${state.summary.failure?.kind}: ${state.summary.failure?.message}); a rerun would fail the same way\n`,
      );
      return 1;
    case 'resume':
      io.err(`kd: cell ${job.name}: resuming ${job.runDir}\n`);
      return runCommand({ resume: job.runDir, json: args.json }, io, options);
    default:
      return runCommand({ config: job.config, json: args.json }, io, options);
  }
}
