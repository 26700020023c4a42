import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { RunEvents } from '@kd/core';
import { sourceRuntime } from './repo.js';
import { writeConfig } from './write-config.js';

/**
 * Raw float32 tensors of a kd checkpoint directory by name, read from state.json + state.bin here rather than
 * through core, so a checkpoint writer that drops or reorders a tensor cannot also hide it from the check.
 */
export function checkpointTensors(dir: string): Map<string, Float32Array> {
  const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as {
    tensors: { name: string; offset: number; length: number }[];
  };
  const bin = readFileSync(join(dir, 'state.bin'));
  return new Map(
    state.tensors.map((e) => [e.name, new Float32Array(bin.buffer.slice(bin.byteOffset + e.offset, bin.byteOffset + e.offset + e.length))]),
  );
}

/** The checkpoint directory `latest.json` of a run's `checkpoints/` names. */
export function latestCheckpoint(runDir: string): string {
  const root = join(runDir, 'checkpoints');
  return join(root, (JSON.parse(readFileSync(join(root, 'latest.json'), 'utf8')) as { checkpoint: string }).checkpoint);
}

export interface ExactResumeCase {
  /** A scratch directory for the two runs (and the teacher, if the config names one there). */
  readonly work: string;
  /** The run's config for an output directory name (relative to `work`); it must train at least two epochs. */
  readonly config: (outDir: string) => Record<string, unknown>;
  /** The run is stopped by an exception at the end of this 0-based epoch (of `stage`, when given). */
  readonly crashAfterEpoch?: number;
  readonly stage?: string;
}

export interface ExactResumeResult {
  /** The final checkpoint's tensors of the uninterrupted run (equal, bit for bit, to the resumed run's). */
  readonly tensors: Map<string, Float32Array>;
}

/**
 * Trains the config once straight through and once stopped after an epoch and resumed, then asserts that the two
 * final checkpoints hold the same tensor names and the same bits: weights, optimiser slots, batch-norm statistics
 * and every module or buffer a method adds. Callers assert on `tensors` that their method's own state is among them,
 * since a resume that silently re-initialised an unsaved module could otherwise still agree by luck of the seed.
 */
export async function expectExactResume(c: ExactResumeCase): Promise<ExactResumeResult> {
  const crashEpoch = c.crashAfterEpoch ?? 0;
  const straightDir = join(c.work, 'straight');
  await sourceRuntime().run(writeConfig(c.work, 'straight.json', c.config('straight')));
  const straight = checkpointTensors(latestCheckpoint(straightDir));

  const resumedDir = join(c.work, 'resumed');
  const file = writeConfig(c.work, 'resumed.json', c.config('resumed'));
  const events = new RunEvents();
  events.on('epochEnd', (e) => {
    if (e.epoch === crashEpoch && (c.stage === undefined || e.stage === c.stage)) throw new Error('simulated crash');
  });
  await expect(sourceRuntime().run(file, { events })).rejects.toThrow('simulated crash');
  await sourceRuntime().resume(resumedDir);
  const resumed = checkpointTensors(latestCheckpoint(resumedDir));

  expect([...resumed.keys()].sort()).toEqual([...straight.keys()].sort());
  for (const [name, values] of straight) {
    const other = resumed.get(name)!;
    expect(Buffer.compare(Buffer.from(other.buffer), Buffer.from(values.buffer)), `${name} differs after the resume`).toBe(0);
  }
  return { tensors: straight };
}
