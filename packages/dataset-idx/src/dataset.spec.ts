import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { KdInputError, Rng, type Batch, type BatchOptions, type DatasetSplit } from '@kd/core';
import { DEFAULT_MAX_INFLATED_BYTES } from './schema.js';
import { IdxSplit, loadIdxDataset, pixelStatistics, PRESET_NORMALIZATION } from './dataset.js';
import { encodeIdx, type IdxSplitData } from './idx-reader.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** n images of rows×cols; image i is filled with value i (so the order is visible), label i % 10. */
function synthetic(n: number, rows = 4, cols = 4): IdxSplitData {
  const pixels = new Uint8Array(n * rows * cols);
  for (let i = 0; i < n; i++) pixels.fill(i, i * rows * cols, (i + 1) * rows * cols);
  return { count: n, rows, cols, pixels, labels: Uint8Array.from({ length: n }, (_, i) => i % 10) };
}

async function collect(split: DatasetSplit, options: BatchOptions): Promise<{ xs: number[][]; ys: number[][]; shapes: number[][] }> {
  const xs: number[][] = [];
  const ys: number[][] = [];
  const shapes: number[][] = [];
  for await (const { x, y } of split.batches(options)) {
    shapes.push(x.shape);
    xs.push(Array.from(await x.data()));
    ys.push(Array.from(await y.data()));
    x.dispose();
    y.dispose();
  }
  return { xs, ys, shapes };
}

/** Which image (by its fill value) is at each position, for unnormalised, unaugmented data. */
function orderOf(xs: number[][], area: number): number[] {
  return xs.flatMap((b) => Array.from({ length: b.length / area }, (_, k) => Math.round(b[k * area]! * 255)));
}

describe('IdxSplit batches', () => {
  it('shapes, dtypes and file order without rng', async () => {
    const split = new IdxSplit(synthetic(10), undefined, undefined);
    expect(split.size).toBe(10);
    const seen: Batch[] = [];
    for await (const b of split.batches({ batchSize: 4 })) seen.push(b);
    expect(seen.map((b) => b.x.shape)).toEqual([
      [4, 4, 4, 1],
      [4, 4, 4, 1],
      [2, 4, 4, 1],
    ]);
    expect(seen.map((b) => b.y.shape)).toEqual([[4], [4], [2]]);
    expect(seen.every((b) => b.x.dtype === 'float32' && b.y.dtype === 'int32')).toBe(true);
    expect(Array.from(await seen[2]!.y.data())).toEqual([8, 9]);
    expect(Array.from(await seen[0]!.x.data()).slice(16, 17)).toEqual([1 / 255].map(Math.fround));
    for (const b of seen) tf.dispose([b.x, b.y]);
  });

  it('normalises with the given mean and std (values checked by hand)', async () => {
    const data: IdxSplitData = { count: 1, rows: 1, cols: 4, pixels: Uint8Array.from([0, 51, 255, 128]), labels: Uint8Array.from([5]) };
    const split = new IdxSplit(data, PRESET_NORMALIZATION['fashion-mnist'], undefined);
    const { xs } = await collect(split, { batchSize: 8 });
    // (0/255 - 0.286)/0.353, (0.2 - 0.286)/0.353, (1 - 0.286)/0.353, (128/255 - 0.286)/0.353
    const expected = [-0.8101983, -0.24362606, 2.02266289, 0.61178647];
    xs[0]!.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
    const mnist = await collect(new IdxSplit(data, PRESET_NORMALIZATION.mnist, undefined), { batchSize: 8 });
    // (0 - 0.1307)/0.3081 and (1 - 0.1307)/0.3081
    expect(mnist.xs[0]![0]).toBeCloseTo(-0.42421292, 5);
    expect(mnist.xs[0]![2]).toBeCloseTo(2.82148653, 5);
  });

  it('same seed gives the same order, another seed another order, and rng.permutation decides it', async () => {
    const split = new IdxSplit(synthetic(50), undefined, undefined);
    const a = orderOf((await collect(split, { batchSize: 8, rng: new Rng(1) })).xs, 16);
    const b = orderOf((await collect(split, { batchSize: 8, rng: new Rng(1) })).xs, 16);
    const c = orderOf((await collect(split, { batchSize: 8, rng: new Rng(2) })).xs, 16);
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
    expect([...a].sort((p, q) => p - q)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(a).toEqual(Array.from(new Rng(1).permutation(50)));
    // Labels travel with their images.
    const { xs, ys } = await collect(split, { batchSize: 8, rng: new Rng(3) });
    expect(ys.flat()).toEqual(orderOf(xs, 16).map((i) => i % 10));
  });

  it('dropLast drops only the incomplete last batch', async () => {
    const split = new IdxSplit(synthetic(10), undefined, undefined);
    expect((await collect(split, { batchSize: 4, dropLast: true })).shapes.map((s) => s[0])).toEqual([4, 4]);
    expect((await collect(split, { batchSize: 4, dropLast: false })).shapes.map((s) => s[0])).toEqual([4, 4, 2]);
    expect((await collect(split, { batchSize: 5, dropLast: true })).shapes.map((s) => s[0])).toEqual([5, 5]);
    expect((await collect(split, { batchSize: 20, dropLast: true })).shapes).toEqual([]);
    await expect(collect(split, { batchSize: 0 })).rejects.toThrow(RangeError);
  });

  it('gives each sample its position in the split: one shuffled epoch covers every position once, labels matching', async () => {
    const data = synthetic(30);
    const split = new IdxSplit(data, PRESET_NORMALIZATION.mnist, { flip: true, pad: 2 });
    const seen: number[] = [];
    expect(Array.from(split.labels)).toEqual(Array.from(data.labels.subarray(0, 30)));
    for await (const { x, y, index } of split.batches({ batchSize: 7, rng: new Rng(3) })) {
      const labels = Array.from(await y.data());
      expect(labels).toEqual(Array.from(index!, (i) => data.labels[i]));
      expect(labels).toEqual(Array.from(index!, (i) => split.labels[i]));
      seen.push(...index!);
      tf.dispose([x, y]);
    }
    expect(seen).not.toEqual([...seen].sort((a, b) => a - b));
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it('leaks no tensors: only the yielded x and y exist', async () => {
    const split = new IdxSplit(synthetic(30), PRESET_NORMALIZATION.mnist, { flip: true, pad: 2 });
    const before = tf.memory().numTensors;
    for await (const { x, y } of split.batches({ batchSize: 7, rng: new Rng(0) })) {
      expect(tf.memory().numTensors).toBe(before + 2);
      tf.dispose([x, y]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('augmentation: flip and crop follow the rng draws, only with an rng', async () => {
    // One 3×3 image 1..9, so that each draw's effect can be computed by hand.
    const data: IdxSplitData = {
      count: 1,
      rows: 3,
      cols: 3,
      pixels: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]),
      labels: Uint8Array.from([0]),
    };
    const image = (xs: number[][]) => xs[0]!.map((v) => Math.round(v * 255));
    const flipOnly = new IdxSplit(data, undefined, { flip: true, pad: 0 });
    expect(image((await collect(flipOnly, { batchSize: 1 })).xs)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    let flips = 0;
    for (let seed = 0; seed < 20; seed++) {
      const replay = new Rng(seed);
      replay.permutation(1);
      const flipped = replay.next() < 0.5;
      flips += flipped ? 1 : 0;
      const got = image((await collect(flipOnly, { batchSize: 1, rng: new Rng(seed) })).xs);
      expect(got).toEqual(flipped ? [3, 2, 1, 6, 5, 4, 9, 8, 7] : [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
    expect(flips).toBeGreaterThan(0);
    expect(flips).toBeLessThan(20);

    const padOnly = new IdxSplit(data, undefined, { flip: false, pad: 1 });
    let shifted = 0;
    for (let seed = 0; seed < 20; seed++) {
      const replay = new Rng(seed);
      replay.permutation(1);
      const dy = replay.int(3) - 1;
      const dx = replay.int(3) - 1;
      const expected = [0, 1, 2].flatMap((r) =>
        [0, 1, 2].map((c) => (r + dy >= 0 && r + dy < 3 && c + dx >= 0 && c + dx < 3 ? data.pixels[(r + dy) * 3 + c + dx]! : 0)),
      );
      shifted += dy !== 0 || dx !== 0 ? 1 : 0;
      expect(image((await collect(padOnly, { batchSize: 1, rng: new Rng(seed) })).xs)).toEqual(expected);
    }
    expect(shifted).toBeGreaterThan(0);
  });

  it('padding is black before normalisation', async () => {
    const data: IdxSplitData = { count: 1, rows: 1, cols: 1, pixels: Uint8Array.from([255]), labels: Uint8Array.from([0]) };
    const split = new IdxSplit(data, PRESET_NORMALIZATION['fashion-mnist'], { flip: false, pad: 1 });
    const values = new Set<number>();
    for (let seed = 0; seed < 30; seed++) values.add((await collect(split, { batchSize: 1, rng: new Rng(seed) })).xs[0]![0]!);
    expect([...values].sort((a, b) => a - b).map((v) => v.toFixed(5))).toEqual(['-0.81020', '2.02266']);
  });

  it('pixelStatistics', () => {
    const s = pixelStatistics(Uint8Array.from([0, 255]));
    expect(s.mean).toBeCloseTo(0.5, 10);
    expect(s.std).toBeCloseTo(0.5, 10);
    expect(pixelStatistics(Uint8Array.from([7, 7])).std).toBe(1);
  });
});

describe('loadIdxDataset from a directory', () => {
  let base: string;
  const TRAIN = 23;
  const TEST = 7;
  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'kd-idx-dataset-'));
    const dir = join(base, 'digits');
    mkdirSync(dir);
    const make = (n: number, offset: number) => {
      const pixels = new Uint8Array(n * 784);
      for (let i = 0; i < n; i++) pixels.fill((i + offset) % 256, i * 784, (i + 1) * 784);
      return {
        images: encodeIdx([n, 28, 28], pixels),
        labels: encodeIdx(
          [n],
          Uint8Array.from({ length: n }, (_, i) => (i + offset) % 10),
        ),
      };
    };
    const train = make(TRAIN, 0);
    const test = make(TEST, 100);
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(train.images));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), train.labels);
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), test.images);
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'), gzipSync(test.labels));
    mkdirSync(join(base, 'incomplete'));
    writeFileSync(join(base, 'incomplete', 'train-images-idx3-ubyte.gz'), gzipSync(train.images));
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('reads the four files, plain or gzip, relative to baseDir', async () => {
    const ds = await loadIdxDataset(
      { name: 'idx', maxInflatedBytes: DEFAULT_MAX_INFLATED_BYTES, preset: 'mnist', dir: 'digits' },
      { baseDir: base },
    );
    expect(ds.info.numClasses).toBe(10);
    expect(ds.info.inputShape).toEqual([28, 28, 1]);
    expect(ds.info.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(ds.info.source).toContain(join(base, 'digits'));
    expect(ds.info.source).toContain('train-images-idx3-ubyte.gz');
    expect(ds.info.source).toContain('t10k-images-idx3-ubyte,');
    expect(ds.split('train')!.size).toBe(TRAIN);
    expect(ds.split('test')!.size).toBe(TEST);
    expect(ds.split('val')).toBeUndefined();
    const first = await ds.split('test')!.batches({ batchSize: 3 })[Symbol.asyncIterator]().next();
    const { x, y } = first.value as Batch;
    expect(Array.from(await y.data())).toEqual([0, 1, 2]);
    expect((await x.data())[0]).toBeCloseTo((100 / 255 - 0.1307) / 0.3081, 5);
    tf.dispose([x, y]);
  });

  it('limits, normalize: false and augmentation only on train', async () => {
    const ds = await loadIdxDataset(
      {
        name: 'idx',
        maxInflatedBytes: DEFAULT_MAX_INFLATED_BYTES,
        preset: 'custom',
        dir: join(base, 'digits'),
        trainLimit: 5,
        testLimit: 100,
        normalize: false,
        augment: { flip: true, pad: 4 },
      },
      { baseDir: '/nonexistent' },
    );
    expect(ds.split('train')!.size).toBe(5);
    expect(ds.split('test')!.size).toBe(TEST);
    expect(ds.info.classNames).toBeUndefined();
    expect(ds.train.augmentation).toEqual({ flip: true, pad: 4 });
    expect(ds.test.augmentation).toBeUndefined();
    expect(ds.train.normalization).toBeUndefined();
    const { xs } = await collect(ds.split('test')!, { batchSize: 100, rng: new Rng(5) });
    // Test images are constant, so neither a flip nor a crop could hide: no pixel is padding-black.
    expect(xs[0]!.every((v) => v > 0)).toBe(true);
  });

  it('custom preset normalises with statistics of its training images', async () => {
    const ds = await loadIdxDataset(
      { name: 'idx', maxInflatedBytes: DEFAULT_MAX_INFLATED_BYTES, preset: 'custom', dir: join(base, 'digits') },
      { baseDir: base },
    );
    const values = Array.from({ length: TRAIN }, (_, i) => i / 255);
    const mean = values.reduce((a, b) => a + b) / TRAIN;
    const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / TRAIN);
    expect(ds.train.normalization!.mean).toBeCloseTo(mean, 10);
    expect(ds.train.normalization!.std).toBeCloseTo(std, 10);
  });

  it('errors: missing directory, missing files, preset without data', async () => {
    await expect(
      loadIdxDataset({ name: 'idx', maxInflatedBytes: DEFAULT_MAX_INFLATED_BYTES, preset: 'mnist', dir: 'nowhere' }, { baseDir: base }),
    ).rejects.toThrow(`directory ${join(base, 'nowhere')} not found`);
    const e = await loadIdxDataset(
      { name: 'idx', maxInflatedBytes: DEFAULT_MAX_INFLATED_BYTES, dir: 'incomplete' },
      { baseDir: base },
    ).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(KdInputError);
    expect((e as Error).message).toContain('lacks train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]');
    // The schema asks mnist and custom for a directory or files: the loader validates a hand-written config as a run does.
    await expect(
      loadIdxDataset({ name: 'idx', maxInflatedBytes: DEFAULT_MAX_INFLATED_BYTES, preset: 'mnist' }, { baseDir: base }),
    ).rejects.toThrow(/dataset "idx": invalid options\n {2}\/: must have required property 'dir'/);
    await expect(
      loadIdxDataset({ name: 'idx', maxInflatedBytes: DEFAULT_MAX_INFLATED_BYTES, preset: 'custom' }, { baseDir: base }),
    ).rejects.toBeInstanceOf(KdInputError);
  });

  it('errors: images of the wrong size for a preset', async () => {
    const dir = join(base, 'small');
    mkdirSync(dir);
    const images = encodeIdx([2, 5, 5], new Uint8Array(50));
    const labels = encodeIdx([2], Uint8Array.from([0, 1]));
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), images);
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), labels);
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), images);
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), labels);
    await expect(
      loadIdxDataset({ name: 'idx', maxInflatedBytes: DEFAULT_MAX_INFLATED_BYTES, preset: 'mnist', dir }, { baseDir: base }),
    ).rejects.toThrow(`${join(dir, 'train-images-idx3-ubyte')}: images are 5×5, expected 28×28 for preset "mnist"`);
    const custom = await loadIdxDataset(
      { name: 'idx', maxInflatedBytes: DEFAULT_MAX_INFLATED_BYTES, preset: 'custom', dir },
      { baseDir: base },
    );
    expect(custom.info.inputShape).toEqual([5, 5, 1]);
  });
});
