import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { Network } from '@kd/core';
import { EfficiencyEvaluator } from './efficiency.evaluator.js';
import type { EfficiencyOptions } from './efficiency.options.js';
import { median } from './median.js';
import { guessingNetwork, labelSplit } from '@kd/testing';

const defaults: EfficiencyOptions = {
  name: 'efficiency',
  runs: 4,
  warmupRuns: 2,
  batchSize: 0,
  teacher: true,
  repeat: 'once',
  artefactFile: 'artifacts/efficiency.json',
};

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A fake clock and a network whose passes take scripted times on it, with fixed sizes. */
function timed(durations: number[], size: { params: number; flops?: number }) {
  const clock = { now: 0 };
  const base = guessingNetwork([0], 2);
  const seen: number[] = [];
  let i = 0;
  const network: Network = {
    ...base,
    apply: (x, o) => {
      seen.push(x.shape[0]);
      clock.now += durations[i++ % durations.length]!;
      return base.apply(x, o);
    },
    countParams: () => size.params,
    ...(size.flops !== undefined ? { countFlops: () => size.flops! } : {}),
  };
  return { network, clock, seen, calls: () => i };
}

describe('median', () => {
  it('takes the middle value, or the mean of the middle two', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([5, 3, 9, 4])).toBe(4.5);
    expect(() => median([])).toThrow(RangeError);
  });
});

describe('EfficiencyEvaluator', () => {
  it('reports params, FLOPs, the median of the timed passes after the warm-up, and images per second', async () => {
    // Shared clock: student passes take 100, 100 (warm-up) then 5, 3, 9, 4 ms; teacher 50, 50 then 20, 30, 10, 40.
    const s = timed([100, 100, 5, 3, 9, 4], { params: 1234, flops: 5678 });
    const t = timed([50, 50, 20, 30, 10, 40], { params: 99999 });
    const clock = () => s.clock.now + t.clock.now;
    const ev = new EfficiencyEvaluator(defaults, clock);
    const before = tf.memory().numTensors;
    const m = await ev.evaluate({
      student: s.network,
      teacher: t.network,
      split: labelSplit([0, 1, 0, 1, 0, 1, 0]),
      splitName: 'test',
      batchSize: 5,
      numClasses: 2,
      epoch: 0,
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(s.seen).toEqual([5, 5, 5, 5, 5, 5]);
    expect(m).toEqual({
      'efficiency.batchSize': 5,
      'efficiency.student.params': 1234,
      'efficiency.student.flops': 5678,
      'efficiency.student.latencyMs': 4.5,
      'efficiency.student.imagesPerSecond': (5 * 1000) / 4.5,
      'efficiency.teacher.params': 99999,
      'efficiency.teacher.latencyMs': 25,
      'efficiency.teacher.imagesPerSecond': 200,
    });
  });

  it('measures once and repeats the numbers, or measures again when asked, at the batch size it was given', async () => {
    const s = timed([2], { params: 1 });
    const once = new EfficiencyEvaluator({ ...defaults, runs: 3, warmupRuns: 1, batchSize: 2 }, () => s.clock.now);
    const context = { student: s.network, split: labelSplit([0, 1, 0]), splitName: 'test', batchSize: 3, numClasses: 2, epoch: 0 };
    const a = await once.evaluate(context);
    const b = await once.evaluate({ ...context, epoch: 1 });
    expect(s.calls()).toBe(4);
    expect(b).toBe(a);
    expect(a['efficiency.batchSize']).toBe(2);
    expect(a['efficiency.student.latencyMs']).toBe(2);
    expect(a['efficiency.student.imagesPerSecond']).toBe(1000);
    const every = new EfficiencyEvaluator({ ...defaults, runs: 3, warmupRuns: 1, repeat: 'everyEvaluation' }, () => s.clock.now);
    await every.evaluate(context);
    await every.evaluate(context);
    expect(s.calls()).toBe(12);
    expect(s.seen.slice(4)).toEqual([3, 3, 3, 3, 3, 3, 3, 3]);
  });

  it('writes the measurement with the backend into the run directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-efficiency-'));
    const s = timed([1, 1, 2, 3, 4], { params: 7 });
    const ev = new EfficiencyEvaluator({ ...defaults, teacher: false }, () => s.clock.now);
    await ev.evaluate({
      student: s.network,
      teacher: s.network,
      split: labelSplit([0]),
      splitName: 'test',
      batchSize: 8,
      numClasses: 2,
      epoch: 0,
      runDir: dir,
    });
    const file = JSON.parse(readFileSync(join(dir, 'artifacts', 'efficiency.json'), 'utf8'));
    expect(file).toMatchObject({
      evaluator: 'efficiency',
      backend: 'cpu',
      batchSize: 1,
      runs: 4,
      warmupRuns: 2,
      student: { params: 7, flops: null },
    });
    expect(file.student.timingsMs).toEqual([2, 3, 4, 1]);
    expect(file.teacher).toBeUndefined();
  });
});
