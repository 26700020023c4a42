import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RunEvents, type RunEventMap } from '@kd/core';
import type { StopRequest } from '@kd/core/host';
import { sourceRuntime, tempDir, tinyConfig, writeConfig } from '@kd/testing';

/**
 * steps.jsonl end to end: what a real run writes, checked against the raw per-step losses of the `stepEnd` events,
 * and the resume guarantee — a run stopped at an epoch end, killed mid-epoch (lines after its checkpoint and a torn
 * line left behind) or interrupted mid-interval and then resumed writes the same bytes as an uninterrupted run.
 */

// Batch 4 over 256 images: 64 steps an epoch, so intervals of ⌈64 / 50⌉ = 2 steps, 32 lines an epoch.
const config = (out: string) => ({
  ...tinyConfig(out, {}, { trainLimit: 256, testLimit: 64, epochs: 2 }),
  training: { epochs: 2, batchSize: 4, seed: 5, optimizer: { type: 'sgd', lr: 0.02, momentum: 0.9 }, schedule: { type: 'cosine' } },
});

interface Step {
  stage: string;
  epoch: number;
  step: number;
  steps: number;
  count: number;
  lr: number;
  loss: Record<string, number>;
  trainTop1?: number;
}
const text = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');
const jsonl = <T>(dir: string, file: string): T[] =>
  text(dir, file)
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
/** metrics.jsonl without wall-clock fields. */
const metrics = (dir: string) => jsonl<Record<string, unknown>>(dir, 'metrics.jsonl').map(({ time: _t, ...rest }) => rest);

const work = tempDir('kd-step-log-');
afterAll(() => rmSync(work, { recursive: true, force: true }));
let straight: string;
const raw: RunEventMap['stepEnd'][] = [];

beforeAll(async () => {
  const events = new RunEvents();
  events.on('stepEnd', (e) => void raw.push(e));
  await sourceRuntime().run(writeConfig(work, 'straight.json', config('straight')), { events });
  straight = join(work, 'straight');
});

describe('steps.jsonl of a run', () => {
  it('has one line per 2-step interval: their means are the stepEnd losses of those steps', () => {
    const lines = jsonl<Step>(straight, 'steps.jsonl');
    expect(raw).toHaveLength(128);
    expect(lines).toHaveLength(64);
    lines.forEach((l, i) => {
      const [a, b] = [raw[2 * i]!, raw[2 * i + 1]!];
      expect({ stage: l.stage, epoch: l.epoch, step: l.step, steps: l.steps, count: l.count }).toEqual({
        stage: 'train',
        epoch: a.epoch + 1,
        step: b.step + 1,
        steps: 64,
        count: 2,
      });
      expect(l.lr).toBe(b.lr);
      expect(Object.keys(l.loss)).toEqual(['total', 'ce']);
      for (const k of ['total', 'ce']) expect(l.loss[k]).toBeCloseTo((a.losses[k]! + b.losses[k]!) / 2, 12);
      // Accuracy counts whole samples: over 8 images it is a multiple of 1/8, and the mean of the two batches'.
      expect(l.trainTop1! * 8).toBeCloseTo(Math.round(l.trainTop1! * 8), 9);
      expect(l.trainTop1).toBeCloseTo((a.trainTop1! + b.trainTop1!) / 2, 12);
    });
  });

  it('agrees with metrics.jsonl: each epoch’s loss and train accuracy are the means of its intervals', () => {
    const lines = jsonl<Step>(straight, 'steps.jsonl');
    const epochs = jsonl<{ loss: Record<string, number>; train: { top1: number }; memory: { numTensors: number } }>(
      straight,
      'metrics.jsonl',
    );
    expect(epochs).toHaveLength(2);
    // Counting right predictions each step leaves no tensor behind.
    expect(epochs[1]!.memory.numTensors).toBe(epochs[0]!.memory.numTensors);
    epochs.forEach((e, i) => {
      const own = lines.filter((l) => l.epoch === i + 1);
      const mean = (f: (l: Step) => number) => own.reduce((s, l) => s + f(l), 0) / own.length;
      expect(e.loss['total']).toBeCloseTo(
        mean((l) => l.loss['total']!),
        10,
      );
      expect(e.train.top1).toBeCloseTo(
        mean((l) => l.trainTop1!),
        12,
      );
      expect(e.train.top1).toBeGreaterThan(0);
    });
  });
});

describe('class names', () => {
  it('reach the accuracy report of a run: Fashion-MNIST’s names, from the dataset through the evaluator', () => {
    const report = JSON.parse(text(straight, 'artifacts/accuracy.json')) as { classNames: string[]; student: { confusion: number[][] } };
    expect(report.classNames).toHaveLength(10);
    expect(report.classNames.slice(0, 2)).toEqual(['T-shirt/top', 'Trouser']);
    expect(report.classNames[9]).toBe('Ankle boot');
    expect(report.student.confusion).toHaveLength(10);
  });
});

describe('steps.jsonl after a stop and a resume equals the uninterrupted run’s, byte for byte', () => {
  it('stopped by a failure at the end of epoch 1', async () => {
    const events = new RunEvents();
    events.on('epochEnd', (e) => {
      if (e.epoch === 0) throw new Error('simulated crash');
    });
    await expect(sourceRuntime().run(writeConfig(work, 'epoch-end.json', config('epoch-end')), { events })).rejects.toThrow(
      'simulated crash',
    );
    const dir = join(work, 'epoch-end');
    expect(jsonl<Step>(dir, 'steps.jsonl')).toHaveLength(32);
    await sourceRuntime().resume(dir);
    expect(text(dir, 'steps.jsonl')).toBe(text(straight, 'steps.jsonl'));
    expect(metrics(dir)).toEqual(metrics(straight));
  });

  it('killed mid-epoch 2 after its checkpoint’s lines, with a torn line: the resume cuts both', async () => {
    const events = new RunEvents();
    events.on('stepEnd', (e) => {
      if (e.epoch === 1 && e.step === 20) throw new Error('simulated kill');
    });
    await expect(sourceRuntime().run(writeConfig(work, 'killed.json', config('killed')), { events })).rejects.toThrow('simulated kill');
    const dir = join(work, 'killed');
    // Epoch 2's first ten intervals were appended before the kill; a kill mid-append leaves half a line.
    expect(jsonl<Step>(dir, 'steps.jsonl')).toHaveLength(42);
    appendFileSync(join(dir, 'steps.jsonl'), '{"stage":"train","epoch":2,"st');
    await sourceRuntime().resume(dir);
    expect(text(dir, 'steps.jsonl')).toBe(text(straight, 'steps.jsonl'));
    expect(metrics(dir)).toEqual(metrics(straight));
  });

  it('interrupted mid-interval (13 steps of epoch 2 done): the open interval continues from the checkpoint', async () => {
    const stop: StopRequest = { signal: null };
    const events = new RunEvents();
    events.on('stepEnd', (e) => {
      if (e.epoch === 1 && e.step === 12) stop.signal = 'SIGINT';
    });
    await sourceRuntime()
      .run(writeConfig(work, 'interrupted.json', config('interrupted')), { events, stop })
      .catch(() => undefined);
    const dir = join(work, 'interrupted');
    expect(JSON.parse(text(dir, 'summary.json')).status).toBe('interrupted');
    // 32 lines of epoch 1 and 6 complete intervals of epoch 2; step 13 is alone in the open interval.
    expect(jsonl<Step>(dir, 'steps.jsonl')).toHaveLength(38);
    await sourceRuntime().resume(dir);
    expect(text(dir, 'steps.jsonl')).toBe(text(straight, 'steps.jsonl'));
    expect(metrics(dir)).toEqual(metrics(straight));
  });
});
