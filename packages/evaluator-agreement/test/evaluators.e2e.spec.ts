import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { isInputError } from '@kd/core';
import {
  kdStudentOf,
  metricsLines,
  sourceRuntime,
  TEACHER_BACKBONE,
  tempDir,
  tinyConfig,
  writeConfig,
  type MetricsLine,
} from '@kd/testing';

const config = (outDir: string, overrides: Record<string, unknown>) =>
  tinyConfig(outDir, overrides, { trainLimit: 192, testLimit: 96, epochs: 2, seed: 3, evalBatchSize: 32 });

/** Every evaluator of this issue in one small KD run: their metrics reach metrics.jsonl, their reports the run dir. */
describe('evaluators in a KD run (KdRuntime, Fashion-MNIST subset, tiny CNNs)', () => {
  const work = tempDir('kd-evaluators-');
  const runtime = sourceRuntime();
  let lines: MetricsLine[] = [];
  let summary: { final: Record<string, number> };

  beforeAll(async () => {
    const teacherFile = writeConfig(work, 'teacher.json', config('teacher', { student: { backbone: TEACHER_BACKBONE } }));
    await runtime.run(teacherFile);
    const file = writeConfig(
      work,
      'student.json',
      config(
        'student',
        kdStudentOf({
          evaluators: [
            { name: 'accuracy' },
            { name: 'agreement', temperature: 4 },
            { name: 'calibration' },
            {
              name: 'similarity',
              maxExamples: 64,
              pairs: [
                { teacher: 'last', student: 'last' },
                { teacher: 'embedding', student: 'embedding' },
              ],
            },
            { name: 'efficiency', runs: 3, warmupRuns: 1 },
          ],
        }),
      ),
    );
    const before = tf.memory().numTensors;
    const result = await runtime.run(file);
    // The run frees what it built, evaluators included.
    expect(tf.memory().numTensors).toBe(before);
    summary = result.summary as typeof summary;
    lines = metricsLines(join(work, 'student'));
  });

  it('writes every metric at every epoch, as finite numbers in range, without leaking tensors', () => {
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      const m = line.metrics;
      for (const key of [
        'student.top1',
        'student.meanClassTop1',
        'teacher.top1',
        'agreement.top1',
        'agreement.kl',
        'calibration.student.ece',
        'calibration.student.mce',
        'calibration.teacher.ece',
        'similarity.cka.last-last',
        'similarity.cka.embedding-embedding',
        'efficiency.student.params',
        'efficiency.student.flops',
        'efficiency.student.latencyMs',
        'efficiency.student.imagesPerSecond',
        'efficiency.teacher.params',
        'efficiency.teacher.latencyMs',
      ])
        expect(Number.isFinite(m[key]), key).toBe(true);
      // A healthy run has no non-finite logits; each evaluator that reads logits says so.
      for (const key of [
        'student.nonFinite',
        'teacher.nonFinite',
        'agreement.nonFinite',
        'calibration.student.nonFinite',
        'calibration.teacher.nonFinite',
      ])
        expect(m[key], key).toBe(0);
      for (const key of [
        'student.top1',
        'agreement.top1',
        'calibration.student.ece',
        'calibration.student.mce',
        'similarity.cka.last-last',
      ]) {
        expect(m[key]!, key).toBeGreaterThanOrEqual(0);
        expect(m[key]!, key).toBeLessThanOrEqual(1);
      }
      expect(m['agreement.kl']).toBeGreaterThan(0);
      expect(m['efficiency.teacher.params']).toBeGreaterThan(m['efficiency.student.params']!);
      expect(m['efficiency.batchSize']).toBe(32);
    }
    expect(new Set(lines.map((l) => l.memory.numTensors)).size).toBe(1);
    // Measured once, reported at every evaluation.
    expect(lines[1]!.metrics['efficiency.student.latencyMs']).toBe(lines[0]!.metrics['efficiency.student.latencyMs']);
    expect(summary.final['agreement.top1']).toBe(lines[1]!.metrics['agreement.top1']);
  });

  it('agrees with the run’s own summary on sizes, and with the accuracy evaluator on the argmax accuracy', () => {
    const s = JSON.parse(readFileSync(join(work, 'student', 'summary.json'), 'utf8'));
    const m = lines[1]!.metrics;
    expect(m['efficiency.student.params']).toBe(s.studentParams);
    expect(m['efficiency.teacher.params']).toBe(s.teacherParams);
    expect(m['efficiency.student.flops']).toBe(s.studentFlops);
    const acc = JSON.parse(readFileSync(join(work, 'student', 'artifacts', 'accuracy.json'), 'utf8'));
    const diagonal = acc.student.confusion.reduce((a: number, row: number[], i: number) => a + row[i]!, 0);
    expect(acc.student.examples).toBe(96);
    // Without ties in float logits, arg-max accuracy is top-1 accuracy.
    expect(diagonal / 96).toBeCloseTo(m['student.top1']!, 12);
    const cal = JSON.parse(readFileSync(join(work, 'student', 'artifacts', 'calibration.json'), 'utf8'));
    expect(cal.student.reliability.reduce((a: number, b: { count: number }) => a + b.count, 0)).toBe(96);
    expect(cal.epoch).toBe(2);
    expect(existsSync(join(work, 'student', 'artifacts', 'efficiency.json'))).toBe(true);
  });

  it('refuses agreement and similarity without a teacher before writing anything', async () => {
    for (const name of ['agreement', 'similarity']) {
      const file = writeConfig(
        work,
        `no-teacher-${name}.json`,
        config(`no-teacher-${name}`, { evaluators: [{ name: 'accuracy' }, { name }] }),
      );
      let error: unknown;
      try {
        await runtime.run(file);
      } catch (e) {
        error = e;
      }
      expect(isInputError(error), String(error)).toBe(true);
      expect((error as Error).message).toContain(`/evaluators/1: the "${name}" evaluator compares the student with a teacher`);
      expect(existsSync(join(work, `no-teacher-${name}`))).toBe(false);
    }
  });
});
