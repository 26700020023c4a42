import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '@kd/core/host';
import { checkpointTensors, latestCheckpoint } from './exact-resume.js';
import { metricsLines, type MetricsLine } from './metrics-lines.js';
import { sourceRuntime } from './repo.js';
import { runConfig, runtimeWith, type Register } from './run-config.js';
import { tempDir } from './temp-dir.js';
import { writeConfig } from './write-config.js';
import { TEACHER_BACKBONE, tinyConfig, type TinyRunSize } from './tiny-config.js';

/** What a distiller's end-to-end spec states about its method; the run and the checks every method shares live here. */
export interface DistillerE2eCase {
  /** The config's `distiller` section (`{ name, ...options }`). */
  readonly distiller: Readonly<Record<string, unknown>>;
  /** The plugins the run uses (`runtimeWith(...registers)`); without them the workspace's plugins, from source. */
  readonly registers?: readonly Register[];
  /** The loss terms the distiller logs, besides `total`. */
  readonly terms: readonly string[];
  /** When given: every epoch's total is Σ weight·term over these terms (to 1e-4 relative). */
  readonly weights?: Readonly<Record<string, number>>;
  /** Terms, or sums of terms, that must be lower at the last epoch than at epoch `fallsFrom` (the total always is). */
  readonly falling?: readonly (string | readonly string[])[];
  /** The 0-based epoch the last is compared with (default 0). */
  readonly fallsFrom?: number;
  /** Terms that must be positive at every epoch. */
  readonly positive?: readonly string[];
  /** The `distiller` section of the config.json the run writes: the schema's defaults applied. */
  readonly resolved?: Readonly<Record<string, unknown>>;
  /** Names of the method's own tensors the last checkpoint holds, and a word the exported student must not contain. */
  readonly checkpointed?: { readonly tensors: readonly string[]; readonly notExported: string };
  /** Distiller sections the runtime refuses before the run writes anything, with (part of) the error's text. */
  readonly rejects?: readonly { readonly distiller: Readonly<Record<string, unknown>>; readonly error: string }[];
  /** The run's size; by default 2 epochs, 384 training and 128 test images, seed 3. */
  readonly size?: TinyRunSize;
  /** Method-specific checks of the same run. */
  readonly expectRun?: (run: DistillerE2eRun) => void;
}

/** One finished end-to-end run of the case. */
export interface DistillerE2eRun extends RunResult {
  readonly lines: readonly MetricsLine[];
  readonly tensors: Map<string, Float32Array>;
}

/** What more `it`s of the same spec share with the case: the scratch directory, the teacher and the runtime. */
export interface DistillerE2eContext {
  readonly work: string;
  /** The teacher section: the tiny cnn teacher trained in `beforeAll`. */
  readonly teacher: Readonly<Record<string, unknown>>;
  /** Runs a tiny config of the case's size with `overrides`, writing to `work/outDir`. */
  run(outDir: string, overrides?: Record<string, unknown>): Promise<RunResult>;
}

const DEFAULT_SIZE: TinyRunSize = { testLimit: 128, epochs: 2, seed: 3 };

function sumOf(line: MetricsLine, terms: string | readonly string[]): number {
  return (typeof terms === 'string' ? [terms] : terms).reduce((s, t) => s + line.loss[t]!, 0);
}

/**
 * The end-to-end spec of a distiller: a tiny cnn teacher is trained for one epoch on the bundled Fashion-MNIST
 * subset, then the student is distilled from it through the runtime as `kd run` would. Asserts the logged terms, the
 * total as the weighted sum of its terms, a falling total (and the named terms), numTensors constant across epochs
 * and back to where it was after the run, the resolved options, the method's checkpointed state, and the configs
 * refused before anything is written. `more` declares further `it`s in the same describe.
 */
export function describeDistillerE2e(c: DistillerE2eCase, more?: (ctx: DistillerE2eContext) => void): void {
  const name = String(c.distiller['name']);
  const size = { ...DEFAULT_SIZE, ...c.size };
  describe(`${name} trains end to end from a config`, () => {
    const work = tempDir(`kd-distiller-${name}-`);
    const runtime = c.registers ? runtimeWith(...c.registers) : undefined;
    // without registers the plugins are discovered, which the runtime does when it reads a config file
    const run = (outDir: string, overrides: Record<string, unknown> = {}) => {
      const raw = tinyConfig(outDir, overrides, size);
      return runtime ? runConfig(runtime, raw, work) : sourceRuntime().run(writeConfig(work, `${outDir}.json`, raw));
    };
    const teacher = { backbone: TEACHER_BACKBONE, weights: 'teacher' };

    beforeAll(async () => {
      await run('teacher', {
        student: { backbone: TEACHER_BACKBONE },
        training: { ...(tinyConfig('', {}, size).training as object), epochs: 1 },
      });
    }, 120_000);

    it(`logs ${c.terms.join(', ')}; lowers the loss; keeps numTensors constant; exports only the student`, async () => {
      const before = tf.memory().numTensors;
      const result = await run(name, { teacher, distiller: c.distiller });
      const lines = metricsLines(result.runDir);
      expect(lines).toHaveLength(size.epochs!);
      for (const l of lines) expect(Object.keys(l.loss).sort()).toEqual([...c.terms, 'total'].sort());
      const weights = c.weights;
      if (weights)
        for (const l of lines) {
          const sum = Object.entries(weights).reduce((s, [t, w]) => s + w * l.loss[t]!, 0);
          expect(Math.abs(l.loss['total']! - sum)).toBeLessThan(1e-4 * l.loss['total']!);
        }
      for (const t of c.positive ?? []) for (const l of lines) expect(l.loss[t], t).toBeGreaterThan(0);
      const first = lines[c.fallsFrom ?? 0]!;
      const last = lines.at(-1)!;
      for (const t of ['total', ...(c.falling ?? [])]) expect(sumOf(last, t), String(t)).toBeLessThan(sumOf(first, t));
      expect(new Set(lines.map((l) => l.memory.numTensors)).size).toBe(1);
      const exported = readFileSync(join(result.runDir, 'final', 'network.json'), 'utf8');
      if (c.resolved) expect(JSON.parse(readFileSync(join(result.runDir, 'config.json'), 'utf8')).distiller).toEqual(c.resolved);
      const tensors = checkpointTensors(latestCheckpoint(result.runDir));
      if (c.checkpointed) {
        for (const t of c.checkpointed.tensors) expect(tensors.has(t), t).toBe(true);
        expect(exported).not.toContain(c.checkpointed.notExported);
      }
      c.expectRun?.({ ...result, lines, tensors });
      // everything the run built is freed when it ends
      expect(tf.memory().numTensors).toBe(before);
    }, 180_000);

    if (c.rejects?.length)
      it('refuses bad options before anything is written (KdInputError with the JSON pointer)', async () => {
        for (const [i, bad] of c.rejects!.entries()) {
          const outDir = `${name}-bad${i}`;
          await expect(run(outDir, { teacher, distiller: bad.distiller })).rejects.toThrow(bad.error);
          expect(existsSync(join(work, outDir, 'metrics.jsonl'))).toBe(false);
        }
      });

    more?.({ work, teacher, run });
  });
}
