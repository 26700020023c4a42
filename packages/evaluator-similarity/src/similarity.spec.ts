import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { isInputError } from '@kd/core';
import { SimilarityEvaluator } from './similarity.evaluator.js';
import type { SimilarityOptions } from './similarity.options.js';
import { featureNetwork, labelSplit } from '@kd/testing';

const fx = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'test', 'fixtures', 'similarity-fixtures.json'), 'utf8')) as {
  teacher: number[][][][];
  student: number[][][][];
  studentEmbedding: number[][];
  expected: { examples: number; flatten: number; spatialMean: number; teacherVsEmbedding: number }[];
};
const defaults: SimilarityOptions = {
  name: 'similarity',
  pairs: [{ teacher: 'last', student: 'last' }],
  maxExamples: 512,
  reduce: 'flatten',
};

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function context(batchSize = 6) {
  // The teacher's last stage is "stage2" (stage1 is a decoy the default must not pick).
  const teacher = featureNetwork({ stage1: fx.student, stage2: fx.teacher });
  const student = featureNetwork({ stage1: fx.student }, fx.studentEmbedding);
  return { student, teacher, split: labelSplit(fx.teacher.map(() => 0)), splitName: 'test', batchSize, numClasses: 2, epoch: 0 };
}

describe('SimilarityEvaluator', () => {
  it.each(fx.expected.map((e) => [e.examples, e] as const))(
    'matches PyTorch’s linear CKA over the first %d examples (flatten, spatial mean, embedding), without leaks',
    async (m, e) => {
      const pairs = [
        { teacher: 'last', student: 'last' },
        { teacher: 'stage2', student: 'embedding' },
      ];
      const before = tf.memory().numTensors;
      const flat = await new SimilarityEvaluator({ ...defaults, pairs, maxExamples: m }).evaluate(context());
      const mean = await new SimilarityEvaluator({ ...defaults, maxExamples: m, reduce: 'spatialMean' }).evaluate(context());
      expect(tf.memory().numTensors).toBe(before);
      expect(flat['similarity.cka.last-last']).toBeCloseTo(e.flatten, 5);
      expect(flat['similarity.cka.stage2-embedding']).toBeCloseTo(e.teacherVsEmbedding, 5);
      expect(mean['similarity.cka.last-last']).toBeCloseTo(e.spatialMean, 5);
    },
  );

  it('uses all of a split smaller than maxExamples, whatever the batch size', async () => {
    const all = fx.expected.find((e) => e.examples === fx.teacher.length)!;
    for (const bs of [1, 7, 64])
      expect((await new SimilarityEvaluator(defaults).evaluate(context(bs)))['similarity.cka.last-last']).toBeCloseTo(all.flatten, 5);
  });

  it('names an unknown feature with the networks’ features', async () => {
    const ev = new SimilarityEvaluator({ ...defaults, pairs: [{ teacher: 'stage9', student: 'last' }] });
    const before = tf.memory().numTensors;
    let error: unknown;
    try {
      await ev.evaluate(context());
    } catch (e) {
      error = e;
    }
    expect(isInputError(error)).toBe(true);
    expect((error as Error).message).toContain(
      '/pairs/0/teacher: "stage9" is not a feature of the features network; expected one of last, embedding, logits, stage1, stage2',
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reports the fraction of images with non-finite features and no CKA (NaN) for a pair that holds them', async () => {
    // Four images, 1×1×2 feature maps; identical on both sides, so the finite pair's CKA is exactly 1.
    const maps = [[[[1, 0]]], [[[0, 2]]], [[[3, 1]]], [[[2, 5]]]];
    const broken = [[[[1, 0]]], [[[NaN, 2]]], [[[3, 1]]], [[[2, 5]]]];
    const split = labelSplit([0, 0, 0, 0]);
    const base = { split, splitName: 'test', batchSize: 3, numClasses: 2, epoch: 0 };
    const pairs = [
      { teacher: 'stage1', student: 'stage1' },
      { teacher: 'stage2', student: 'stage2' },
    ];
    const ev = new SimilarityEvaluator({ ...defaults, pairs });
    const before = tf.memory().numTensors;
    const healthy = await ev.evaluate({
      ...base,
      teacher: featureNetwork({ stage1: maps, stage2: maps }),
      student: featureNetwork({ stage1: maps, stage2: maps }),
    });
    expect(healthy['similarity.nonFinite']).toBe(0);
    expect(healthy['similarity.cka.stage1-stage1']).toBeCloseTo(1, 6);
    // Image 2 holds a NaN in the student's stage2 only; image 4 an Inf in the teacher's stage2: 2 of 4 images.
    const inf = [[[[1, 0]]], [[[0, 2]]], [[[3, 1]]], [[[Infinity, 5]]]];
    const m = await ev.evaluate({
      ...base,
      teacher: featureNetwork({ stage1: maps, stage2: inf }),
      student: featureNetwork({ stage1: maps, stage2: broken }),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(m['similarity.nonFinite']).toBe(0.5);
    expect(m['similarity.cka.stage2-stage2']).toBeNaN();
    expect(m['similarity.cka.stage1-stage1']).toBeCloseTo(1, 6);
  });

  it('says it needs a teacher', async () => {
    const { teacher: _t, ...rest } = context();
    await expect(new SimilarityEvaluator(defaults).evaluate(rest)).rejects.toThrow(/needs a teacher/);
  });
});
