import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { Rng } from '@kd/core';
import * as api from './index.js';
import { buildTransform, outputSize, probeTransform, withDefaultNormalization } from './build-transform.js';
import { ByteImageSplit } from './image-split.js';
import { Normalize, NORMALIZATION_PRESETS } from './normalize.js';
import { holdOutValidation, selectSubset, splitOptionsProperties } from './subset.js';
import { transformListSchema, type TransformSpec } from './transform-spec.js';
import { gray, rows, scriptedRng } from '../test/helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('normalize', () => {
  it('cifar100 and cifar10 presets, checked by hand', () => {
    const px = { data: Float32Array.from([0, 0.5, 1]), height: 1, width: 1, channels: 3 };
    const c100 = new Normalize(NORMALIZATION_PRESETS.cifar100).apply(px);
    // (0 - 0.5071)/0.2673, (0.5 - 0.4865)/0.2564, (1 - 0.4409)/0.2762
    [-1.89711934, 0.0526521, 2.02425778].forEach((v, i) => expect(c100.data[i]).toBeCloseTo(v, 5));
    const c10 = new Normalize(NORMALIZATION_PRESETS.cifar10).apply(px);
    // (0 - 0.4914)/0.2470, (0.5 - 0.4822)/0.2435, (1 - 0.4465)/0.2616
    [-1.98947368, 0.07310062, 2.11582569].forEach((v, i) => expect(c10.data[i]).toBeCloseTo(v, 5));
    expect(() => new Normalize({ mean: [0.5], std: [0] })).toThrow(/std/);
    expect(() => new Normalize(NORMALIZATION_PRESETS.cifar10).apply(gray([[1, 1]]))).toThrow(
      /3 mean\/std values for an image with 1 channel \(expected 1\)/,
    );
  });
});

describe('transform list', () => {
  const validate = (() => {
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    return ajv.compile(transformListSchema);
  })();

  it('schema compiles under strict ajv and accepts / rejects lists', () => {
    const good: TransformSpec[] = [
      { type: 'randomCrop', padding: 4, paddingMode: 'reflect' },
      { type: 'horizontalFlip' },
      { type: 'randomResizedCrop', size: 224, scale: [0.08, 1] },
      { type: 'resize', size: [256, 300] },
      { type: 'centerCrop', size: 224 },
      { type: 'normalize', preset: 'imagenet' },
      { type: 'normalize', mean: [0.5], std: [0.25] },
      { type: 'normalize' },
    ];
    expect(validate(good), JSON.stringify(validate.errors)).toBe(true);
    for (const bad of [
      [{ type: 'rotate' }],
      [{ type: 'randomCrop', padding: -1 }],
      [{ type: 'randomCrop', paddingMode: 'wrap' }],
      [{ type: 'resize' }],
      [{ type: 'resize', size: [1, 2, 3] }],
      [{ type: 'normalize', mean: [0.5] }],
      [{ type: 'normalize', preset: 'cifar10', mean: [0.5], std: [1] }],
      [{ type: 'normalize', mean: [0.5], std: [0] }],
      [{ type: 'horizontalFlip', p: 2 }],
    ]) {
      expect(validate(bad), JSON.stringify(bad)).toBe(false);
    }
  });

  it('composes in order, drawing from one rng: crop (top, left) then flip', () => {
    const t = buildTransform([
      { type: 'randomCrop', padding: 1 },
      { type: 'horizontalFlip' },
      { type: 'normalize', mean: [0.5], std: [0.5] },
    ]);
    const img = gray([
      [0.5, 1],
      [0, 0.5],
    ]);
    // 4×4 zero-padded image, 3 offsets each way: top u=0.5 → 1, left u=0 → 0: rows 1..2, cols 0..1 = [[0, 0.5], [0, 0]];
    // flip (u=0.1 < 0.5) → [[0.5, 0], [0, 0]].
    // normalise: (x - 0.5)/0.5.
    expect(rows(t.apply(img, scriptedRng([0.5, 0, 0.1])))).toEqual([
      [0, -1],
      [-1, -1],
    ]);
    expect(rows(t.apply(img, undefined))).toEqual([
      [0, 1],
      [-1, 0],
    ]);
    expect(() => buildTransform([{ type: 'normalize' }])).toThrow(/transforms\[0\]: normalize needs/);
  });

  it('withDefaultNormalization fills only bare normalize entries; outputSize follows the list', () => {
    const specs = withDefaultNormalization([{ type: 'normalize' }, { type: 'normalize', preset: 'mnist' }], NORMALIZATION_PRESETS.cifar10);
    expect(specs[0]).toEqual({ type: 'normalize', ...NORMALIZATION_PRESETS.cifar10 });
    expect(specs[1]).toEqual({ type: 'normalize', preset: 'mnist' });
    expect(outputSize([{ type: 'randomCrop', padding: 4 }], 32, 32)).toEqual([32, 32]);
    expect(
      outputSize(
        [
          { type: 'resize', size: 256 },
          { type: 'centerCrop', size: 224 },
        ],
        375,
        500,
      ),
    ).toEqual([224, 224]);
    expect(outputSize([{ type: 'resize', size: 16 }], 32, 64)).toEqual([16, 32]);
    expect(
      probeTransform(
        buildTransform([
          { type: 'resize', size: 16 },
          { type: 'centerCrop', size: [8, 12] },
        ]),
        32,
        64,
        3,
      ),
    ).toEqual([8, 12, 3]);
    expect(() => probeTransform(buildTransform([{ type: 'normalize', preset: 'cifar10' }]), 4, 4, 1)).toThrow(
      /3 mean\/std values for an image with 1 channel \(expected 1\)/,
    );
  });

  it('exports named values only', () => {
    expect('default' in api).toBe(false);
    expect(typeof api.buildTransform).toBe('function');
  });
});

describe('splits and subsets', () => {
  const labels = Int32Array.from({ length: 100 }, (_, i) => i % 10);

  it('holdOutValidation: disjoint, complete, sorted, determined by the seed', () => {
    const a = holdOutValidation(100, { valFraction: 0.1 }, 7);
    expect(a.val!.length).toBe(10);
    expect(a.train.length).toBe(90);
    expect([...a.train, ...a.val!].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(a.val!)).toEqual([...a.val!].sort((x, y) => x - y));
    expect(holdOutValidation(100, { valFraction: 0.1 }, 7)).toEqual(a);
    expect(holdOutValidation(100, { valFraction: 0.1 }, 8).val).not.toEqual(a.val);
    expect(holdOutValidation(100, { valCount: 3 }, 7).val!.length).toBe(3);
    expect(holdOutValidation(100, {}, 7).val).toBeUndefined();
    expect(() => holdOutValidation(3, { valCount: 3 }, 7)).toThrow(/leaves none/);
  });

  it('selectSubset by count, fraction and per class; first or random', () => {
    const all = Int32Array.from({ length: 100 }, (_, i) => i);
    expect(Array.from(selectSubset(all, labels, { count: 5, pick: 'first' }, 1, 'train'))).toEqual([0, 1, 2, 3, 4]);
    expect(selectSubset(all, labels, { count: 500 }, 1, 'train').length).toBe(100);
    expect(selectSubset(all, labels, { fraction: 0.25 }, 1, 'train').length).toBe(25);
    const r = selectSubset(all, labels, { count: 5 }, 1, 'train');
    expect(r).toEqual(selectSubset(all, labels, { count: 5 }, 1, 'train'));
    expect(r).not.toEqual(selectSubset(all, labels, { count: 5 }, 2, 'train'));
    const per = selectSubset(all, labels, { perClass: 3 }, 1, 'train');
    expect(per.length).toBe(30);
    expect(Array.from({ length: 10 }, (_, c) => Array.from(per).filter((i) => labels[i] === c).length)).toEqual(new Array(10).fill(3));
    expect(Array.from(selectSubset(all, labels, { perClass: 1, pick: 'first' }, 1, 'train'))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(selectSubset(all, labels, undefined, 1, 'train')).toBe(all);
  });

  it('split options schema compiles strictly and requires exactly one subset kind', () => {
    const ajv = new Ajv2020({ strict: true, useDefaults: true });
    const v = ajv.compile({ type: 'object', additionalProperties: false, properties: splitOptionsProperties });
    expect(v({ valFraction: 0.1, trainSubset: { perClass: 5 } })).toBe(true);
    expect(v({ trainSubset: {} })).toBe(false);
    expect(v({ trainSubset: { count: 1, fraction: 0.5 } })).toBe(false);
    expect(v({ valFraction: 1 })).toBe(false);
  });
});

describe('ByteImageSplit', () => {
  const pixels = Uint8Array.from({ length: 10 * 2 * 2 * 3 }, (_, i) => Math.floor(i / 12) * 20);
  const images = { height: 2, width: 2, channels: 3, pixels, labels: Int32Array.from({ length: 10 }, (_, i) => i) };

  it('batches: shapes, labels with their images, reproducible order and augmentation, no leaks', async () => {
    const t = buildTransform([{ type: 'randomCrop', padding: 1 }, { type: 'horizontalFlip' }]);
    const split = new ByteImageSplit(images, Int32Array.from([1, 3, 5, 7, 9]), t, [2, 2, 3]);
    expect(split.size).toBe(5);
    const before = tf.memory().numTensors;
    const run = async (rng: Rng | undefined, dropLast = false) => {
      const out: { x: number[]; y: number[]; shape: number[] }[] = [];
      for await (const b of split.batches({ batchSize: 2, rng, dropLast })) {
        expect(tf.memory().numTensors).toBe(before + 2);
        out.push({ x: Array.from(await b.x.data()), y: Array.from(await b.y.data()), shape: b.x.shape });
        tf.dispose([b.x, b.y]);
      }
      return out;
    };
    const plain = await run(undefined);
    expect(plain.map((b) => b.shape)).toEqual([
      [2, 2, 2, 3],
      [2, 2, 2, 3],
      [1, 2, 2, 3],
    ]);
    expect(plain.flatMap((b) => b.y)).toEqual([1, 3, 5, 7, 9]);
    // Positions are within the split (0..size-1), not in the underlying image file; `labels` is by position.
    expect(Array.from(split.labels)).toEqual([1, 3, 5, 7, 9]);
    const positions: number[] = [];
    for await (const b of split.batches({ batchSize: 2, rng: new Rng(4) })) {
      expect(Array.from(await b.y.data())).toEqual(Array.from(b.index!, (i) => 2 * i + 1));
      positions.push(...b.index!);
      tf.dispose([b.x, b.y]);
    }
    expect([...positions].sort()).toEqual([0, 1, 2, 3, 4]);
    // Image i has every byte 20·i; labels travel with their images.
    expect(plain[0]!.x.slice(0, 3).map((v) => Math.round(v * 255))).toEqual([20, 20, 20]);
    const a = await run(new Rng(4), true);
    expect(a.length).toBe(2);
    expect(await run(new Rng(4), true)).toEqual(a);
    for (const b of a)
      for (let k = 0; k < 2; k++) {
        const values = new Set(b.x.slice(k * 12, k * 12 + 12).map((v) => Math.round(v * 255)));
        for (const v of values) expect([0, 20 * b.y[k]!]).toContain(v);
      }
    expect(tf.memory().numTensors).toBe(before);
    const wrong = new ByteImageSplit(images, Int32Array.from([0]), t, [3, 3, 3]);
    await expect(wrong.batches({ batchSize: 1 }).next()).rejects.toThrow(/expected 3×3×3/);
  });
});
