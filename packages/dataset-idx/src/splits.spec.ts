import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { isInputError, Rng, type DatasetSplit } from '@kd/core';
import { DEFAULT_MAX_INFLATED_BYTES, type IdxConfig } from './schema.js';
import { loadIdxDataset, selectIdx } from './dataset.js';
import { encodeIdx } from './idx-reader.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** n images of 6×6; every pixel of image i is (i·3) % 256 (so images are identifiable), label i % classes. */
function pair(n: number, classes: number, offset = 0) {
  const pixels = new Uint8Array(n * 36);
  for (let i = 0; i < n; i++) pixels.fill(((i + offset) * 3) % 256, i * 36, (i + 1) * 36);
  return {
    images: encodeIdx([n, 6, 6], pixels),
    labels: encodeIdx(
      [n],
      Uint8Array.from({ length: n }, (_, i) => (i + offset) % classes),
    ),
  };
}

async function all(split: DatasetSplit, rng?: Rng) {
  const xs: number[] = [];
  const ys: number[] = [];
  let shape: number[] = [];
  for await (const { x, y } of split.batches({ batchSize: 1000, rng })) {
    shape = x.shape;
    xs.push(...(await x.data()));
    ys.push(...(await y.data()));
    tf.dispose([x, y]);
  }
  return { xs, ys, shape };
}

/** The image ids (pixel value / 3) of unnormalised, unaugmented batches. */
const ids = (xs: number[], area = 36) => Array.from({ length: xs.length / area }, (_, k) => Math.round((xs[k * area]! * 255) / 3));

describe('idx: any IDX pair, splits, subsets and transforms', () => {
  const base = mkdtempSync(join(tmpdir(), 'kd-idx-splits-'));
  const train = pair(60, 12);
  const test = pair(20, 12, 60);
  mkdirSync(join(base, 'letters'));
  writeFileSync(join(base, 'letters', 'my-train-images.gz'), gzipSync(train.images));
  writeFileSync(join(base, 'letters', 'my-train-labels'), train.labels);
  writeFileSync(join(base, 'letters', 'my-test-images'), test.images);
  writeFileSync(join(base, 'letters', 'my-test-labels.gz'), gzipSync(test.labels));
  const files = {
    trainImages: 'my-train-images.gz',
    trainLabels: 'my-train-labels',
    testImages: 'my-test-images',
    testLabels: 'my-test-labels.gz',
  };
  /** The custom set above as its config names it; `letters` adds the class count its labels need. */
  const custom = { name: 'idx', maxInflatedBytes: DEFAULT_MAX_INFLATED_BYTES, preset: 'custom', dir: 'letters', files } as const;
  const letters = { ...custom, numClasses: 12 } as const;
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('files by any name (relative to dir) and numClasses for custom sets', async () => {
    const ds = await loadIdxDataset({ ...letters, normalize: false }, { baseDir: base });
    expect(ds.info.numClasses).toBe(12);
    expect(ds.info.inputShape).toEqual([6, 6, 1]);
    expect(ds.split('train')!.size).toBe(60);
    expect((await all(ds.split('test')!)).ys).toEqual(Array.from({ length: 20 }, (_, i) => (i + 60) % 12));
    const e = await loadIdxDataset(custom, { baseDir: base }).catch((err: unknown) => err);
    expect(isInputError(e)).toBe(true);
    expect((e as Error).message).toContain(
      `${join(base, 'letters', 'my-train-labels')}: label 10 at index 10 (byte offset 18) is out of range: expected a class in 0..9`,
    );
    await expect(
      loadIdxDataset({ name: 'idx', maxInflatedBytes: DEFAULT_MAX_INFLATED_BYTES, numClasses: 12 }, { baseDir: base }),
    ).rejects.toThrow(/numClasses applies to preset "custom" only/);
    await expect(
      loadIdxDataset(
        {
          name: 'idx',
          maxInflatedBytes: DEFAULT_MAX_INFLATED_BYTES,
          preset: 'custom',
          files: { ...files, testImages: 'nope' },
          numClasses: 12,
        },
        { baseDir: join(base, 'letters') },
      ),
    ).rejects.toThrow(`${join(base, 'letters', 'nope')}: file not found`);
  });

  it('val hold-out from the seed: disjoint from train, same seed same split; subsets per class and by count', async () => {
    const options = { ...letters, normalize: false, valFraction: 0.25 } as const;
    const ds = await loadIdxDataset(options, { baseDir: base, seed: 4 });
    const val = ids((await all(ds.split('val')!)).xs);
    const tr = ids((await all(ds.split('train')!)).xs);
    expect(val).toHaveLength(15);
    expect(tr).toHaveLength(45);
    expect([...val, ...tr].sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(ids((await all((await loadIdxDataset(options, { baseDir: base, seed: 4 })).split('val')!)).xs)).toEqual(val);
    expect(ids((await all((await loadIdxDataset(options, { baseDir: base, seed: 5 })).split('val')!)).xs)).not.toEqual(val);
    expect(ds.info.source).toContain('val 15 held out from train');
    const sub = await loadIdxDataset(
      { ...options, trainSubset: { perClass: 2 }, testSubset: { count: 5, pick: 'first' } },
      { baseDir: base, seed: 4 },
    );
    const { ys } = await all(sub.split('train')!);
    expect(Array.from({ length: 12 }, (_, c) => ys.filter((y) => y === c).length)).toEqual(new Array(12).fill(2));
    expect(ids((await all(sub.split('test')!)).xs)).toEqual([60, 61, 62, 63, 64]);
    await expect(loadIdxDataset({ ...options, valFraction: undefined, valCount: 60 }, { baseDir: base })).rejects.toThrow(
      /leaves none of the 60/,
    );
  });

  it('transforms from @kd/transforms replace augment/normalize; a bare normalize uses the custom statistics', async () => {
    const ds = await loadIdxDataset(
      {
        ...letters,
        transforms: [
          { type: 'randomCrop', padding: 1 },
          { type: 'normalize', mean: [0.5], std: [0.5] },
        ],
        testTransforms: [{ type: 'normalize' }],
      },
      { baseDir: base },
    );
    const before = tf.memory().numTensors;
    const aug = await all(ds.split('train')!, new Rng(2));
    expect(aug.shape).toEqual([60, 6, 6, 1]);
    // Padding black: (0 - 0.5)/0.5 = -1, in some image after random crops.
    expect(aug.xs.some((v) => v === -1)).toBe(true);
    expect(await all(ds.split('train')!, new Rng(2))).toEqual(aug);
    // Test: (x − mean)/std with the training images' own statistics (ids 0..59, value 3i/255).
    const values = Array.from({ length: 60 }, (_, i) => ((i * 3) % 256) / 255);
    const mean = values.reduce((a, b) => a + b) / 60;
    const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / 60);
    expect((await all(ds.split('test')!)).xs[0]).toBeCloseTo((180 / 255 - mean) / std, 5);
    expect(tf.memory().numTensors).toBe(before);
    // Configs that contradict themselves, each refused with what it asked for.
    const refused: [Partial<IdxConfig>, string | RegExp][] = [
      [{ augment: { flip: true }, transforms: [] }, /either "augment" or "transforms"/],
      [{ transforms: [{ type: 'centerCrop', size: 4 }] }, /transforms give 4×4×1 images but testTransforms give 6×6×1/],
      [
        { transforms: [{ type: 'normalize', preset: 'cifar10' }] },
        'dataset "idx" transforms: normalize: 3 mean/std values for an image with 1 channel (expected 1)',
      ],
    ];
    for (const [extra, message] of refused)
      await expect(loadIdxDataset({ ...letters, ...extra }, { baseDir: base })).rejects.toThrow(message);
  });

  it('selectIdx copies the chosen examples in the given order', () => {
    const data = { count: 3, rows: 1, cols: 2, pixels: Uint8Array.from([1, 2, 3, 4, 5, 6]), labels: Uint8Array.from([7, 8, 9]) };
    const s = selectIdx(data, Int32Array.from([2, 0]));
    expect(Array.from(s.pixels)).toEqual([5, 6, 1, 2]);
    expect(Array.from(s.labels)).toEqual([9, 7]);
  });
});
