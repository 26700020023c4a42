import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { KdInputError } from '@kd/core';
import { LOCK_FILE, readRunSummary, RunDirectory, RUN_FILES, type RunFailureKind, type RunSummary } from '@kd/core/host';
import { cellHash } from './cell-hash.js';

/**
 * What a cell's run directory says must happen next:
 * - `new`: nothing there yet, or a run stopped before it wrote its config: `kd run <cell config>`;
 * - `resume`: an interrupted run (or one that failed for a reason worth retrying) of this very cell with a checkpoint;
 * - `restart`: the same, stopped before its first checkpoint: `kd run <cell config>` starts over in place;
 * - `done`: finished, skipped;
 * - `failed`: diverged or non-finite: deterministic, so running it again would fail again the same way.
 */
export type CellState =
  | { readonly kind: 'new' }
  | { readonly kind: 'resume' | 'restart' }
  | { readonly kind: 'done'; readonly summary: RunSummary }
  | { readonly kind: 'failed'; readonly summary: RunSummary };

/** Failures that a rerun of the same config on the same code reproduces. */
const FINAL_FAILURES: ReadonlySet<RunFailureKind> = new Set<RunFailureKind>(['diverged', 'non-finite']);

/** Whether a failure of this kind is one a rerun of the same config reproduces (divergence), so retrying is pointless. */
export const isFinalFailureKind = (kind: RunFailureKind | null | undefined): boolean => kind != null && FINAL_FAILURES.has(kind);

/** Whether a run failed in a way a rerun of the same config reproduces (divergence), so retrying is pointless. */
export function isFinalFailure(summary: RunSummary | null | undefined): boolean {
  return summary?.status === 'failed' && isFinalFailureKind(summary.failure?.kind);
}

/** A stopped run's reason as the sweep reports it (`diverged: the loss became NaN …`). */
export function failureReason(summary: RunSummary): string | undefined {
  return summary.failure ? `${summary.failure.kind}: ${summary.failure.message}` : undefined;
}

/** The hash of the run a directory holds (see `cellHash`), or null when it has no config yet. */
export function runHash(dir: string): string | null {
  const runDir = new RunDirectory(dir);
  if (!existsSync(runDir.path(RUN_FILES.config))) return null;
  const config = runDir.readJson<unknown>(RUN_FILES.config);
  const provenance = existsSync(runDir.path(RUN_FILES.provenance))
    ? runDir.readJson<{ packages?: Record<string, string> }>(RUN_FILES.provenance)
    : {};
  return cellHash(config, provenance.packages?.['@kd/core'] ?? 'unknown');
}

/**
 * Reads a cell's run directory. A directory holding another config's run (the study or kd changed since) is an input
 * error: the sweep never clears a run, the user decides.
 */
export function cellState(dir: string, hash: string, name: string): CellState {
  if (!existsSync(dir)) return { kind: 'new' };
  if (!statSync(dir).isDirectory()) throw new KdInputError(`cell ${name}: ${dir} exists and is not a directory`);
  const runDir = new RunDirectory(dir);
  if (readdirSync(dir).filter((e) => e !== LOCK_FILE).length === 0) return { kind: 'new' };
  if (!runDir.isKdRun)
    throw new KdInputError(`cell ${name}: ${dir} is not empty and not a kd run directory; move it away or choose another output root`);
  const held = runHash(dir);
  if (held === null) return { kind: 'new' };
  if (held !== hash)
    throw new KdInputError(
      `cell ${name}: ${dir} holds a run of another config or kd version (hash ${held.slice(0, 12)}, the cell's ${hash.slice(0, 12)}); ` +
        'the study or kd changed since it ran: move the directory away (or delete it) to run the cell again, or choose another output root',
    );
  let summary: RunSummary | null = null;
  try {
    summary = readRunSummary(dir);
  } catch {
    // A torn summary is as good as none: the checkpoint decides.
  }
  if (summary?.status === 'finished') return { kind: 'done', summary };
  if (summary && isFinalFailure(summary)) return { kind: 'failed', summary };
  return { kind: runDir.hasCheckpoint ? 'resume' : 'restart' };
}

/** The summary of a cell's run, for a report: null when it has none (never ran, or was killed). */
export function cellSummary(dir: string): RunSummary | null {
  try {
    return existsSync(join(dir, RUN_FILES.summary)) ? readRunSummary(dir) : null;
  } catch {
    return null;
  }
}
