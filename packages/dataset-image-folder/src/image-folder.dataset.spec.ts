import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng, type BatchOptions, type DatasetSplit } from '@kd/core';
import { inputErrorMessage as inputError } from '@kd/testing';
import { join } from 'node:path';
import { loadImageFolderDataset, type ImageFolderDataset } from './image-folder.dataset.js';
import { DEFAULT_MAX_MEGAPIXELS, type ImageFolderConfig } from './image-folder.options.js';
import { encodeImage, smoothPattern, removeTempDirs, tempDir, writeFile, writePngTree, type TreeImage } from '../test/image-tree.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Transforms that leave an 8×8 image as bytes/255, so batches can be compared pixel for pixel. */
const identity = [
  { type: 'centerCrop', size: 8 },
  { type: 'normalize', mean: [0], std: [1] },
] as const;

async function collect(split: DatasetSplit, options: BatchOptions): Promise<{ xs: Float32Array[]; ys: number[]; shapes: number[][] }> {
  const xs: Float32Array[] = [];
  const ys: number[] = [];
  const shapes: number[][] = [];
  for await (const { x, y } of split.batches(options)) {
    shapes.push(x.shape);
    const data = x.dataSync() as Float32Array;
    const stride = x.shape[1]! * x.shape[2]! * x.shape[3]!;
    for (let k = 0; k < x.shape[0]!; k++) xs.push(data.slice(k * stride, (k + 1) * stride));
    ys.push(...y.dataSync());
    x.dispose();
    y.dispose();
  }
  return { xs, ys, shapes };
}

function asFloat(rgb: Uint8Array): Float32Array {
  return Float32Array.from(rgb, (v) => v / 255);
}

async function load(
  options: Omit<ImageFolderConfig, 'name' | 'maxMegapixels'> & { maxMegapixels?: number },
  seed = 0,
): Promise<ImageFolderDataset> {
  return loadImageFolderDataset({ name: 'image-folder', maxMegapixels: DEFAULT_MAX_MEGAPIXELS, ...options }, { baseDir: '/', seed });
}

describe('image-folder dataset', () => {
  const root = tempDir();
  // Created in a non-sorted order: the class index must follow the sorted names.
  const classes = ['dog', 'cat', 'bird'];
  const train = writePngTree(root, 'train', classes, [5, 4, 3]);
  const val = writePngTree(root, 'val', classes, [2, 2, 2], 8, 100);
  const sortedIndex = (t: TreeImage) => ['bird', 'cat', 'dog'].indexOf(classes[t.label]!);
  const byFile = (images: TreeImage[]) => [...images].sort((a, b) => sortedIndex(a) - sortedIndex(b) || (a.file < b.file ? -1 : 1));
  const trainFiles = byFile(train);
  const valFiles = byFile(val);
  writeFile(join(root, 'train', 'cat', 'README.txt'), 'skipped');

  it('indexes classes by sorted folder name and reads exact pixels and labels, in file order without an rng', async () => {
    const ds = await load({ root, imageSize: 8, trainTransforms: identity, testTransforms: identity });
    expect(ds.info.classNames).toEqual(['bird', 'cat', 'dog']);
    expect(ds.info.numClasses).toBe(3);
    expect(ds.info.inputShape).toEqual([8, 8, 3]);
    expect(ds.info.source).toBe(
      `image folder ${root}: 3 classes; train 12 images (train/), test 6 images (val/); 1 file skipped (extension not in .jpg, .jpeg, .png)`,
    );
    expect(ds.split('val')).toBeUndefined();
    const test = await collect(ds.split('test')!, { batchSize: 4 });
    expect(test.shapes).toEqual([
      [4, 8, 8, 3],
      [2, 8, 8, 3],
    ]);
    expect(test.ys).toEqual(valFiles.map(sortedIndex));
    test.xs.forEach((x, i) => expect(x).toEqual(asFloat(valFiles[i]!.rgb)));
  });

  it('shuffles with the rng: order = rng.permutation(n), and the same rng gives the same batches', async () => {
    const ds = await load({ root, imageSize: 8, trainTransforms: identity, testTransforms: identity });
    const perm = new Rng(42).permutation(12);
    const got = await collect(ds.split('train')!, { batchSize: 5, rng: new Rng(42), dropLast: true });
    expect(got.shapes).toEqual([
      [5, 8, 8, 3],
      [5, 8, 8, 3],
    ]);
    expect(got.ys).toEqual(Array.from(perm.subarray(0, 10), (i) => sortedIndex(trainFiles[i]!)));
    got.xs.forEach((x, k) => expect(x).toEqual(asFloat(trainFiles[perm[k]!]!.rgb)));
  });

  it('augments deterministically: same seed and epoch give the same batches, with or without workers', async () => {
    const opts = { root, imageSize: 6, prefetch: 1 };
    const a = await load(opts);
    const b = await load({ ...opts, workers: 2 });
    try {
      const rng = (epoch: number) => Rng.derive(7, 'data', 'train', epoch);
      const e0 = await collect(a.split('train')!, { batchSize: 4, rng: rng(0), dropLast: true });
      const again = await collect(a.split('train')!, { batchSize: 4, rng: rng(0), dropLast: true });
      const workers = await collect(b.split('train')!, { batchSize: 4, rng: rng(0), dropLast: true });
      const e1 = await collect(a.split('train')!, { batchSize: 4, rng: rng(1), dropLast: true });
      expect(e0.shapes).toEqual([
        [4, 6, 6, 3],
        [4, 6, 6, 3],
        [4, 6, 6, 3],
      ]);
      expect(again).toEqual(e0);
      expect(workers).toEqual(e0);
      expect(e1.xs).not.toEqual(e0.xs);
    } finally {
      await b.close();
    }
  });

  it('default transforms give ImageNet-normalised values: a constant image stays constant through resize and crops', async () => {
    const dir = tempDir();
    const rgb = new Uint8Array(30 * 40 * 3);
    for (let i = 0; i < rgb.length; i += 3) rgb.set([255, 0, 128], i);
    for (const split of ['train', 'val']) writeFile(join(dir, split, 'only', 'a.png'), encodeImage('png', rgb, 30, 40));
    const ds = await load({ root: dir, imageSize: 16 });
    expect(ds.info.inputShape).toEqual([16, 16, 3]);
    // (x - mean) / std with the ImageNet statistics, computed by hand.
    const expected = [(1 - 0.485) / 0.229, (0 - 0.456) / 0.224, (128 / 255 - 0.406) / 0.225];
    for (const [split, rng] of [
      ['test', undefined],
      ['train', new Rng(3)],
    ] as const) {
      const { xs, shapes } = await collect(ds.split(split)!, { batchSize: 1, ...(rng ? { rng } : {}) });
      expect(shapes).toEqual([[1, 16, 16, 3]]);
      for (let i = 0; i < xs[0]!.length; i++) expect(xs[0]![i]).toBeCloseTo(expected[i % 3]!, 5);
    }
  });

  it('reads the training split without an rng through the evaluation transforms, with one through the training ones', async () => {
    const dir = tempDir();
    const png = encodeImage('png', smoothPattern(9, 30, 40), 30, 40);
    for (const split of ['train', 'val']) writeFile(join(dir, split, 'only', 'a.png'), png);
    const ds = await load({ root: dir, imageSize: 16 });
    const evaluated = (await collect(ds.split('test')!, { batchSize: 1 })).xs;
    expect((await collect(ds.split('train')!, { batchSize: 1 })).xs).toEqual(evaluated);
    expect((await collect(ds.split('train')!, { batchSize: 1, rng: new Rng(5) })).xs).not.toEqual(evaluated);
  });

  it('decodes JPEG and PNG side by side (JPEG within a few levels)', async () => {
    const dir = tempDir();
    const rgb = smoothPattern(5, 8, 8);
    writeFile(join(dir, 'train', 'a', 'x.JPEG'), encodeImage('jpeg', rgb, 8, 8));
    writeFile(join(dir, 'train', 'b', 'y.png'), encodeImage('png-gray', rgb, 8, 8));
    const ds = await load({ root: dir, testFolder: null, imageSize: 8, trainTransforms: identity, testTransforms: identity });
    const { xs, ys } = await collect(ds.split('train')!, { batchSize: 2 });
    expect(ys).toEqual([0, 1]);
    const err = xs[0]!.reduce((s, v, i) => s + Math.abs(v * 255 - rgb[i]!), 0) / rgb.length;
    expect(err).toBeLessThan(2);
    // Greyscale PNG: each pixel's grey level (the red channel written) on all three channels.
    for (let i = 0; i < rgb.length; i++) expect(xs[1]![i]).toBe(Math.fround(rgb[i - (i % 3)]! / 255));
  });

  it('holds out a deterministic val split from train, disjoint and complete, read with the evaluation transforms', async () => {
    const opts = { root, imageSize: 8, trainTransforms: identity, testTransforms: identity, valCount: 3 };
    const a = await load(opts, 11);
    const b = await load(opts, 11);
    const c = await load(opts, 12);
    const tr = a.split('train')!.paths;
    const va = a.split('val')!.paths;
    expect([tr.length, va.length]).toEqual([9, 3]);
    expect(new Set([...tr, ...va])).toEqual(new Set(trainFiles.map((f) => f.file)));
    expect(b.split('val')!.paths).toEqual(va);
    expect(c.split('val')!.paths).not.toEqual(va);
    const fraction = await load({ ...opts, valCount: undefined, valFraction: 0.25 }, 11);
    expect(fraction.split('val')!.size).toBe(3);
    expect(a.info.source).toContain('val 3 held out of train/');
    // Labels follow their files.
    const v = await collect(a.split('val')!, { batchSize: 8 });
    expect(v.ys).toEqual(va.map((p) => sortedIndex(trainFiles.find((f) => f.file === p)!)));
    // Evaluation transforms never draw: even shuffled, and with a flip of probability 1 in the list, nothing flips.
    const flipping = await load({ ...opts, testTransforms: [...identity, { type: 'horizontalFlip', p: 1 }] }, 11);
    const perm = new Rng(4).permutation(3);
    const shuffled = await collect(flipping.split('val')!, { batchSize: 8, rng: new Rng(4) });
    shuffled.xs.forEach((x, k) => expect(x).toEqual(asFloat(trainFiles.find((f) => f.file === va[perm[k]!])!.rgb)));
  });

  it('takes subsets by count, fraction or per-class count', async () => {
    const base = { root, imageSize: 8, trainTransforms: identity, testTransforms: identity };
    const perClass = await load({ ...base, trainSubset: { perClass: 2 } });
    const labels = Array.from(perClass.split('train')!.labels);
    expect(labels.sort()).toEqual([0, 0, 1, 1, 2, 2]);
    const first = await load({ ...base, testSubset: { count: 4, pick: 'first' } });
    expect(first.split('test')!.paths).toEqual(valFiles.slice(0, 4).map((f) => f.file));
    expect((await load({ ...base, trainSubset: { fraction: 0.5 } })).split('train')!.size).toBe(6);
  });

  it('holds at most `prefetch` decoded batches and decodes no further ahead; leaves no tensors behind', async () => {
    const ds = await load({ root, imageSize: 8, trainTransforms: identity, testTransforms: identity, prefetch: 1 });
    const split = ds.split('train')!;
    const before = tf.memory().numTensors;
    const decodedAt: number[] = [];
    const positions: number[] = [];
    for await (const { x, y, index } of split.batches({ batchSize: 2, rng: new Rng(1) })) {
      decodedAt.push(split.stats.decoded);
      positions.push(...index!);
      // A slow training step: the reader has every chance to run ahead.
      await new Promise((r) => setTimeout(r, 20));
      x.dispose();
      y.dispose();
    }
    expect(split.stats.maxHeld).toBe(1);
    // Each sample's position in the split travels with its batch (a per-sample memory is indexed by it).
    expect(positions).not.toEqual([...positions].sort((a, b) => a - b));
    expect([...positions].sort((a, b) => a - b)).toEqual(Array.from({ length: split.size }, (_, i) => i));
    // While batch k is trained on, at most batches k+1 (prefetch 1) have been decoded beyond it.
    decodedAt.forEach((d, k) => expect(d).toBeLessThanOrEqual(Math.min(12, (k + 2) * 2)));
    for await (const { x, y } of split.batches({ batchSize: 2 })) {
      x.dispose();
      y.dispose();
      break;
    }
    expect(split.stats.held).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
  });

  describe('bad input', () => {
    it('a missing root, train or test folder', async () => {
      expect(await inputError(load({ root: join(root, 'nope') }))).toBe(
        `${join(root, 'nope')}: dataset root (/dataset/root) does not exist: expected a directory`,
      );
      expect(await inputError(load({ root, trainFolder: 'training' }))).toBe(
        `${join(root, 'training')}: training folder (/dataset/trainFolder) does not exist: expected a directory`,
      );
      expect(await inputError(load({ root, testFolder: 'test' }))).toBe(
        `${join(root, 'test')}: test folder (/dataset/testFolder; null for none) does not exist: expected a directory`,
      );
      const relative = await inputError(
        loadImageFolderDataset({ name: 'image-folder', root: 'data', maxMegapixels: DEFAULT_MAX_MEGAPIXELS }, { baseDir: root, seed: 0 }),
      );
      expect(relative).toContain(`${join(root, 'data')}: dataset root`);
    });

    it('a test folder with a class the training folder lacks', async () => {
      const dir = tempDir();
      writePngTree(dir, 'train', ['a', 'b'], [1, 1]);
      writePngTree(dir, 'val', ['a', 'b', 'c'], [1, 1, 1]);
      expect(await inputError(load({ root: dir }))).toBe(
        `${join(dir, 'val')}: class folder "c" is missing from ${join(dir, 'train')}: expected the same classes in both (or list them in "classes")`,
      );
      const listed = await load({ root: dir, classes: ['b', 'a'] });
      expect(listed.info.classNames).toEqual(['b', 'a']);
    });

    it('a file that is no usable image fails the set-up (its header is scanned), naming it; one that passes the scan but not the decoder fails its batch', async () => {
      const dir = tempDir();
      writePngTree(dir, 'train', ['a'], [3]);
      writeFile(join(dir, 'train', 'a', 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 1, 2]));
      const options = { root: dir, testFolder: null, imageSize: 8, trainTransforms: identity, testTransforms: identity } as const;
      expect(await inputError(load(options))).toBe(
        `${join(dir, 'train', 'a', 'broken.jpg')}: truncated JPEG: the file has 8 bytes and its segment ff e0 at byte offset 2 (18 bytes) runs past the end: expected a complete JPEG file`,
      );
      // Files the splits never read (left out by a subset) are not scanned.
      expect((await load({ ...options, trainSubset: { count: 3, pick: 'first' } })).split('train')!.size).toBe(3);
      // Cut inside its entropy-coded data: the headers are whole, so only decoding finds it.
      const jpg = encodeImage('jpeg', smoothPattern(1, 64, 64), 64, 64);
      writeFile(join(dir, 'train', 'a', 'broken.jpg'), jpg.subarray(0, jpg.length - 100));
      const ds = await load(options);
      const msg = await inputError(collect(ds.split('train')!, { batchSize: 2 }));
      expect(msg).toMatch(
        new RegExp(`^${join(dir, 'train', 'a', 'broken.jpg')}: cannot decode this JPEG file \\(.+\\): expected a valid JPEG image$`),
      );
    });

    it('maxMegapixels applies to the scan: an image above it fails the set-up, naming the file and the option', async () => {
      const dir = tempDir();
      writePngTree(dir, 'train', ['a', 'b'], [2, 2], 8);
      const options = { root: dir, testFolder: null, imageSize: 8, trainTransforms: identity, testTransforms: identity } as const;
      expect((await load({ ...options, maxMegapixels: 64e-6 })).split('train')!.size).toBe(4);
      expect(await inputError(load({ ...options, maxMegapixels: 63e-6 }))).toMatch(
        new RegExp(
          `^${join(dir, 'train', 'a', 'a_000.png')}: PNG of 8×8 pixels \\(0 megapixels\\) is larger than the limit of 0.000063 megapixels \\(/dataset/maxMegapixels\\)`,
        ),
      );
    });

    it('a held-out split that leaves nothing, transforms without a fixed size or of different sizes', async () => {
      expect(await inputError(load({ root, valCount: 12 }))).toBe(
        '/dataset/valCount: a validation split of 12 images leaves none of the 12 training images',
      );
      expect(await inputError(load({ root, trainTransforms: [{ type: 'horizontalFlip' }] }))).toBe(
        "/dataset/trainTransforms: the transform list's output size depends on each image's size: expected a crop or resize to a fixed size in it",
      );
      expect(
        await inputError(
          load({
            root,
            imageSize: 8,
            trainTransforms: [
              { type: 'centerCrop', size: 8 },
              { type: 'normalize', mean: [0.5, 0.5, 0.5], std: [0.2] },
            ],
          }),
        ),
      ).toBe('/dataset/trainTransforms: normalize: mean (3 values) and std (1) must have the same, non-zero length');
      expect(await inputError(load({ root, imageSize: 16, trainTransforms: identity }))).toBe(
        '/dataset/testTransforms: makes 16×16 images but /dataset/trainTransforms 8×8: expected the same size',
      );
    });
  });
});

afterAll(removeTempDirs);
