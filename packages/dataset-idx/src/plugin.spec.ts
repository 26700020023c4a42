import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { API_VERSION, Rng } from '@kd/core';
import { compileStrictSchema, expectDescribedWithDefaults } from '@kd/testing';
import { datasetOptions, splitOptionsProperties } from '@kd/transforms';
import * as api from './index.js';
import {
  idxPlugin,
  idxOptionsSchema,
  bundledFashionMnistDir,
  encodeIdx,
  loadIdxDataset,
  DEFAULT_MAX_INFLATED_BYTES,
  systemFashionMnistDir,
  SYSTEM_FASHION_MNIST_DIR,
  SYSTEM_FASHION_MNIST_DIR_ENV,
  FASHION_MNIST_CLASS_NAMES,
} from './index.js';
import type { IdxDataset } from './dataset.js';
import type { IdxConfig, IdxOptions } from './schema.js';

const hasSystemSet = [
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
].every((f) => existsSync(`${SYSTEM_FASHION_MNIST_DIR}/${f}`));

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function context(baseDir = process.cwd()) {
  return { baseDir, seed: 0 } as Parameters<typeof idxPlugin.create>[1];
}

/** The plugin's factory as a run calls it: with the config validated and the schema's defaults applied. */
function create(config: IdxConfig) {
  return idxPlugin.create(datasetOptions<IdxOptions>(idxOptionsSchema, config, 'idx'), context());
}

describe('idx plugin', () => {
  it('manifest', () => {
    const m = idxPlugin.manifest;
    expect(m.kind).toBe('dataset');
    expect(m.name).toBe('idx');
    expect(m.apiVersion).toBe(API_VERSION);
    expect(m.version).toBe('0.1.0');
    expect(m.paper?.url).toBe('https://arxiv.org/abs/1708.07747');
    expect(m.paper?.authors).toContain('Vollgraf');
    expect(m.optionsSchema).toBe(idxOptionsSchema);
  });

  it('the index has named exports only, one plugin object', () => {
    expect('default' in api).toBe(false);
    const plugins = Object.values(api).filter((v) => typeof v === 'object' && v !== null && 'manifest' in v);
    expect(plugins).toEqual([idxPlugin]);
  });

  it('schema compiles under strict ajv, applies defaults and rejects bad options', () => {
    const validate = compileStrictSchema(idxOptionsSchema);
    const config: Record<string, unknown> = { name: 'idx' };
    expect(validate(config)).toBe(true);
    expect(config).toEqual({
      name: 'idx',
      preset: 'fashion-mnist',
      source: 'auto',
      normalize: true,
      augment: { flip: false, pad: 0 },
      maxInflatedBytes: 1024 * 1024 * 1024,
    });
    expect(validate({ name: 'idx', maxInflatedBytes: 1023 })).toBe(false);
    expect(validate({ name: 'idx', maxInflatedBytes: 1.5e6 })).toBe(true);
    expect(validate({ name: 'idx', trainLimit: 0 })).toBe(false);
    expect(validate({ name: 'idx', trainLimit: 2.5 })).toBe(false);
    expect(validate({ name: 'idx', augment: { pad: 9 } })).toBe(false);
    expect(validate({ name: 'idx', augment: { rotate: true } })).toBe(false);
    expect(validate({ name: 'idx', shuffle: true })).toBe(false);
    expect(validate({ name: 'idx', preset: 'mnist' })).toBe(false);
    expect(validate({ name: 'idx', preset: 'custom', dir: 'data' })).toBe(true);
    expect(validate({ name: 'other' })).toBe(false);
    expect(
      validate({ name: 'idx', preset: 'custom', files: { trainImages: 'a', trainLabels: 'b', testImages: 'c', testLabels: 'd' } }),
    ).toBe(true);
    expect(validate({ name: 'idx', preset: 'custom', files: { trainImages: 'a' } })).toBe(false);
    expect(validate({ name: 'idx', valFraction: 0.1, valCount: 3 })).toBe(false);
    expect(
      validate({
        name: 'idx',
        valCount: 3,
        trainSubset: { perClass: 10 },
        transforms: [{ type: 'randomCrop', padding: 2 }, { type: 'normalize' }],
      }),
    ).toBe(true);
    expect(validate({ name: 'idx', transforms: [{ type: 'rotate' }] })).toBe(false);
  });

  it('every option is described; every option without a natural "unset" has a default', () => {
    // The split options come from @kd/transforms; left out, there is no val split and no subset.
    const split = Object.keys(splitOptionsProperties);
    const unset = ['dir', 'trainLimit', 'testLimit', 'files', 'numClasses', 'transforms', 'testTransforms', ...split];
    expectDescribedWithDefaults(idxOptionsSchema.properties, unset);
    expectDescribedWithDefaults(idxOptionsSchema.properties.augment.properties);
  });
});

describe('bundled Fashion-MNIST subset', () => {
  it('resolves next to src/', () => {
    expect(bundledFashionMnistDir().replace(/\\/g, '/')).toMatch(/packages\/dataset-idx\/data\/fashion-mnist\/?$/);
  });

  it('loads 10,000 train and 2,000 test images with balanced classes', async () => {
    const ds = (await create({ name: 'idx', maxInflatedBytes: DEFAULT_MAX_INFLATED_BYTES, source: 'bundled' })) as IdxDataset;
    expect(ds.info.numClasses).toBe(10);
    expect(ds.info.inputShape).toEqual([28, 28, 1]);
    expect(ds.info.classNames).toEqual(FASHION_MNIST_CLASS_NAMES);
    expect(ds.info.classNames![0]).toBe('T-shirt/top');
    expect(ds.info.source).toContain('bundled');
    expect(ds.split('train')!.size).toBe(10_000);
    expect(ds.split('test')!.size).toBe(2_000);
    const counts = (labels: Uint8Array) => Array.from({ length: 10 }, (_, c) => labels.filter((l) => l === c).length);
    expect(counts(ds.train.data.labels)).toEqual(new Array(10).fill(1000));
    expect(counts(ds.test.data.labels)).toEqual(new Array(10).fill(200));
    // The preset's normalisation is close to the subset's own statistics.
    const mean = ds.train.data.pixels.reduce((a, b) => a + b, 0) / ds.train.data.pixels.length / 255;
    expect(mean).toBeGreaterThan(0.25);
    expect(mean).toBeLessThan(0.32);
  });

  it('yields normalised batches end to end without leaking', async () => {
    const ds = await create({
      name: 'idx',
      maxInflatedBytes: DEFAULT_MAX_INFLATED_BYTES,
      source: 'bundled',
      trainLimit: 100,
      augment: { flip: true, pad: 2 },
    });
    const before = tf.memory().numTensors;
    let n = 0;
    for await (const { x, y } of ds.split('train')!.batches({ batchSize: 32, rng: new Rng(7), dropLast: true })) {
      expect(x.shape).toEqual([32, 28, 28, 1]);
      const [min, max] = tf.tidy(() => [tf.min(x).dataSync()[0]!, tf.max(x).dataSync()[0]!]);
      expect(min).toBeCloseTo(-0.286 / 0.353, 5);
      expect(max).toBeLessThanOrEqual((1 - 0.286) / 0.353 + 1e-5);
      n += x.shape[0];
      tf.dispose([x, y]);
    }
    expect(n).toBe(96);
    expect(tf.memory().numTensors).toBe(before);
  });

  it.skipIf(!hasSystemSet)("source 'auto' uses Debian's full set when installed (60,000 / 10,000)", async () => {
    const ds = await create({ name: 'idx', maxInflatedBytes: DEFAULT_MAX_INFLATED_BYTES });
    expect(ds.split('train')!.size).toBe(60_000);
    expect(ds.split('test')!.size).toBe(10_000);
    expect(ds.info.source).toContain(SYSTEM_FASHION_MNIST_DIR);
    const system = await create({ name: 'idx', maxInflatedBytes: DEFAULT_MAX_INFLATED_BYTES, source: 'system', trainLimit: 10 });
    expect(system.split('train')!.size).toBe(10);
  });

  it.skipIf(hasSystemSet)("source 'system' without Debian's package is a clear input error", async () => {
    await expect(create({ name: 'idx', maxInflatedBytes: DEFAULT_MAX_INFLATED_BYTES, source: 'system' })).rejects.toThrow(
      /dataset-fashion-mnist/,
    );
  });
});

describe('the system directory is injectable, so both sides of auto-detection are tested on any machine', () => {
  const work = mkdtempSync(join(tmpdir(), 'kd-idx-system-'));
  // A stand-in for Debian's full set: 30 train and 12 test images of 28×28 in the official file names, gzip.
  const full = join(work, 'full');
  const absent = join(work, 'absent');
  const write = (name: string, bytes: Uint8Array) => writeFileSync(join(full, `${name}.gz`), gzipSync(bytes));
  beforeAll(() => {
    mkdirSync(full);
    for (const [prefix, n] of [
      ['train', 30],
      ['t10k', 12],
    ] as const) {
      write(`${prefix}-images-idx3-ubyte`, encodeIdx([n, 28, 28], new Uint8Array(n * 784).fill(9)));
      write(
        `${prefix}-labels-idx1-ubyte`,
        encodeIdx(
          [n],
          Uint8Array.from({ length: n }, (_, i) => i % 10),
        ),
      );
    }
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("systemFashionMnistDir: override, then the environment variable, then Debian's path", () => {
    expect(systemFashionMnistDir(undefined, {})).toBe(SYSTEM_FASHION_MNIST_DIR);
    expect(systemFashionMnistDir(undefined, { [SYSTEM_FASHION_MNIST_DIR_ENV]: '' })).toBe(SYSTEM_FASHION_MNIST_DIR);
    expect(systemFashionMnistDir(undefined, { [SYSTEM_FASHION_MNIST_DIR_ENV]: '/x' })).toBe('/x');
    expect(systemFashionMnistDir('/y', { [SYSTEM_FASHION_MNIST_DIR_ENV]: '/x' })).toBe('/y');
  });

  it('absent system set: "system" is an input error naming the directory and the remedies, "auto" falls back to the bundled subset', async () => {
    const e = await loadIdxDataset(
      { name: 'idx', maxInflatedBytes: DEFAULT_MAX_INFLATED_BYTES, source: 'system' },
      { baseDir: work, systemDir: absent },
    ).catch((err: unknown) => err);
    expect((e as Error).name).toBe('KdInputError');
    expect((e as Error).message).toContain(`missing from ${absent}`);
    expect((e as Error).message).toContain('apt install dataset-fashion-mnist');
    expect((e as Error).message).toContain(SYSTEM_FASHION_MNIST_DIR_ENV);
    const auto = await loadIdxDataset(
      { name: 'idx', maxInflatedBytes: DEFAULT_MAX_INFLATED_BYTES, trainLimit: 5 },
      { baseDir: work, systemDir: absent },
    );
    expect(auto.info.source).toContain('bundled');
    expect(auto.info.source).toContain(bundledFashionMnistDir());
  });

  it('present system set: "system" and "auto" read it', async () => {
    for (const source of ['system', 'auto'] as const) {
      const ds = await loadIdxDataset(
        { name: 'idx', maxInflatedBytes: DEFAULT_MAX_INFLATED_BYTES, source },
        { baseDir: work, systemDir: full },
      );
      expect(ds.split('train')!.size, source).toBe(30);
      expect(ds.split('test')!.size, source).toBe(12);
      expect(ds.info.source, source).toContain(`full set from ${full}`);
    }
    // "bundled" ignores it.
    expect(
      (
        await loadIdxDataset(
          { name: 'idx', maxInflatedBytes: DEFAULT_MAX_INFLATED_BYTES, source: 'bundled', trainLimit: 5 },
          { baseDir: work, systemDir: full },
        )
      ).info.source,
    ).toContain('bundled');
  });

  it('through the plugin (as kd run), the environment variable chooses the directory', async () => {
    const saved = process.env[SYSTEM_FASHION_MNIST_DIR_ENV];
    try {
      process.env[SYSTEM_FASHION_MNIST_DIR_ENV] = absent;
      await expect(create({ name: 'idx', maxInflatedBytes: DEFAULT_MAX_INFLATED_BYTES, source: 'system' })).rejects.toThrow(
        `missing from ${absent}`,
      );
      expect((await create({ name: 'idx', maxInflatedBytes: DEFAULT_MAX_INFLATED_BYTES, trainLimit: 5 })).info.source).toContain('bundled');
      process.env[SYSTEM_FASHION_MNIST_DIR_ENV] = full;
      expect((await create({ name: 'idx', maxInflatedBytes: DEFAULT_MAX_INFLATED_BYTES })).split('train')!.size).toBe(30);
    } finally {
      if (saved === undefined) delete process.env[SYSTEM_FASHION_MNIST_DIR_ENV];
      else process.env[SYSTEM_FASHION_MNIST_DIR_ENV] = saved;
    }
  });
});
