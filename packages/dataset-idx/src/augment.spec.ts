import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import { AUGMENT_CASES, AUGMENT_SEEDS, AUGMENT_TRAIN_LIMIT, augmentedBatches, type AugmentedBatches } from '../test/augment-cases.js';
import { loadIdxDataset } from './dataset.js';
import { DEFAULT_MAX_INFLATED_BYTES } from './schema.js';

interface Fixture {
  readonly trainLimit: number;
  readonly cases: readonly { readonly augment: object; readonly normalize: boolean; readonly seeds: Record<string, AugmentedBatches> }[];
}

// Made by test/make-augment-fixture.ts from dataset-idx's own augmentation loop, before `augment` ran on @kd/transforms.
const fixture = JSON.parse(readFileSync(new URL('../test/fixtures/augment-batches.json', import.meta.url), 'utf8')) as Fixture;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('augment gives the batches of the committed fixture', () => {
  it('the fixture covers the cases and seeds of this spec', () => {
    expect(fixture.trainLimit).toBe(AUGMENT_TRAIN_LIMIT);
    expect(fixture.cases.map(({ augment, normalize }) => ({ augment, normalize }))).toEqual(AUGMENT_CASES);
  });

  it.each(AUGMENT_CASES.map((c, i) => [JSON.stringify(c), i] as const))('%s: same draws, same bytes for seeds 3 and 11', async (_, i) => {
    const dataset = await loadIdxDataset(
      {
        name: 'idx',
        source: 'bundled',
        trainLimit: AUGMENT_TRAIN_LIMIT,
        maxInflatedBytes: DEFAULT_MAX_INFLATED_BYTES,
        ...AUGMENT_CASES[i]!,
      },
      { baseDir: '.' },
    );
    const before = tf.memory().numTensors;
    for (const seed of AUGMENT_SEEDS) {
      const expected = fixture.cases[i]!.seeds[seed]!;
      const actual = await augmentedBatches(dataset.split('train')!, seed, 28, 28);
      expect(actual.index).toEqual(expected.index);
      expect(actual.middleRow).toEqual(expected.middleRow);
      expect(actual.xSha256).toEqual(expected.xSha256);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the seeds give different batches (the fixture would catch a change of draws)', () => {
    for (const c of fixture.cases) expect(c.seeds[AUGMENT_SEEDS[0]]!.xSha256).not.toEqual(c.seeds[AUGMENT_SEEDS[1]]!.xSha256);
  });
});
