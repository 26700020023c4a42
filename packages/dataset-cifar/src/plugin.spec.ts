import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { API_VERSION, createKdContainer, isInputError, LOGGER, Rng, type Dataset } from '@kd/core';
import * as api from './index.js';
import { cifarOptionsSchema, cifarPlugin, type CifarConfig, type CifarOptions } from './index.js';
import { datasetOptions } from '@kd/transforms';
import { startArchiveServer } from '../test/archive-server.js';
import { CIFAR10_NAMES, cifarFiles, labelsOf, tarGz, tempDir, writeFiles } from '../test/cifar-files.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const logged: string[] = [];
const container = createKdContainer();
container.register(LOGGER, { useValue: { info: (m: string) => void logged.push(m), warn: () => {} } });
/** As `kd run` would: the config validated, with the schema's defaults (the inflation limit among them unless a test sets its own). */
const create = async (options: Omit<CifarConfig, 'name'>, baseDir: string, seed = 0): Promise<Dataset> =>
  cifarPlugin.create(datasetOptions<CifarOptions>(cifarOptionsSchema, { name: 'cifar', ...options }, 'cifar'), {
    baseDir,
    seed,
    container,
  });

async function firstBatch(ds: Dataset, split: 'train' | 'val' | 'test', batchSize: number, rng?: Rng) {
  for await (const { x, y } of ds.split(split)!.batches({ batchSize, rng })) {
    const out = { x: Array.from(await x.data()), y: Array.from(await y.data()), shape: x.shape };
    tf.dispose([x, y]);
    return out;
  }
  throw new Error('no batch');
}

async function error(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => 'no error',
    (err: unknown) => err,
  );
  expect(isInputError(e), `${String(e)} ${new Error().stack?.split('\n')[2]}`).toBe(true);
  return (e as Error).message;
}

describe('cifar plugin', () => {
  it('manifest and named exports', () => {
    expect(cifarPlugin.manifest).toMatchObject({ kind: 'dataset', name: 'cifar', apiVersion: API_VERSION });
    expect(cifarPlugin.manifest.paper?.authors).toBe('Alex Krizhevsky');
    expect('default' in api).toBe(false);
    expect(Object.values(api).filter((v) => typeof v === 'object' && v !== null && 'manifest' in v)).toEqual([cifarPlugin]);
  });

  it('schema: strict ajv, defaults, and rejects bad options', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: true, useDefaults: true });
    const { $schema: _s, ...schema } = cifarOptionsSchema;
    const validate = ajv.compile(schema);
    const config: Record<string, unknown> = { name: 'cifar', dir: 'd' };
    expect(validate(config)).toBe(true);
    expect(config).toMatchObject({ variant: 'cifar100', labels: 'fine', download: false, maxInflatedBytes: 512 * 1024 * 1024 });
    expect(validate({ name: 'cifar', maxInflatedBytes: 100 })).toBe(false);
    expect((config['transforms'] as unknown[]).length).toBe(3);
    expect(validate({ name: 'cifar', dir: 'd', archive: 'a' })).toBe(false);
    expect(validate({ name: 'cifar', variant: 'cifar1000' })).toBe(false);
    expect(validate({ name: 'cifar', valFraction: 0.1, valCount: 5 })).toBe(false);
    expect(validate({ name: 'cifar', md5: 'a'.repeat(32) })).toBe(false);
    expect(validate({ name: 'cifar', url: 'http://x', md5: 'a'.repeat(32) })).toBe(true);
    // Coarse labels exist only in CIFAR-100: caught by `kd validate`, not only when the files are read.
    expect(validate({ name: 'cifar', variant: 'cifar10', labels: 'coarse' })).toBe(false);
    expect(validate({ name: 'cifar', variant: 'cifar100', labels: 'coarse' })).toBe(true);
    expect(validate({ name: 'cifar', labels: 'coarse' })).toBe(true);
    expect(validate({ name: 'cifar', variant: 'cifar10', labels: 'fine' })).toBe(true);
    // Every cross-option rule is a described `not` (kd prints the description at the pointer, one line).
    for (const rule of cifarOptionsSchema.allOf) expect(rule).toMatchObject({ description: expect.any(String), not: expect.any(Object) });
    expect(validate({ name: 'cifar', transforms: [{ type: 'flip' }] })).toBe(false);
    expect(validate({ name: 'cifar', trainSubset: { perClass: 2 }, testSubset: { fraction: 0.5, pick: 'first' } })).toBe(true);
    for (const [key, p] of Object.entries(cifarOptionsSchema.properties as Record<string, Record<string, unknown>>)) {
      expect(typeof p['description'], key).toBe('string');
    }
  });
});

describe('loading CIFAR-10', () => {
  const base = tempDir();
  const files = cifarFiles('cifar10', 8, 6);
  writeFiles(join(base, 'flat'), files);
  writeFiles(join(base, 'parent', 'cifar-10-batches-bin'), files);

  it('from a directory: 40 train images in file order across data_batch_1..5, classes, shapes, pixels', async () => {
    const ds = await create({ variant: 'cifar10', dir: 'flat' }, base);
    expect(ds.info.numClasses).toBe(10);
    expect(ds.info.inputShape).toEqual([32, 32, 3]);
    expect(ds.info.classNames).toEqual(CIFAR10_NAMES);
    expect(ds.split('train')!.size).toBe(40);
    expect(ds.split('test')!.size).toBe(6);
    expect(ds.split('val')).toBeUndefined();
    expect(ds.info.source).toContain(join(base, 'flat'));
    const b = await firstBatch(ds, 'train', 40);
    expect(b.shape).toEqual([40, 32, 32, 3]);
    expect(b.y).toEqual(Array.from({ length: 40 }, (_, i) => labelsOf('cifar10', i)[0]));
    // Evaluation order, no augmentation: image 9 (2nd of data_batch_2), pixel (0, 1) → p = 1: R = 10 + 24·9 = 226,
    // G = 3, B = 254, normalised with the CIFAR-10 mean/std.
    const px = b.x.slice(9 * 3072 + 3, 9 * 3072 + 6);
    const expected = [(226 / 255 - 0.4914) / 0.247, (3 / 255 - 0.4822) / 0.2435, (254 / 255 - 0.4465) / 0.2616];
    px.forEach((v, k) => expect(v).toBeCloseTo(expected[k]!, 5));
    const t = await firstBatch(ds, 'test', 2);
    expect(t.y).toEqual([labelsOf('cifar10', 1000)[0], labelsOf('cifar10', 1001)[0]]);
  });

  it('finds the official folder inside dir, and reads the .tar.gz directly (same data)', async () => {
    const a = await firstBatch(await create({ variant: 'cifar10', dir: 'parent' }, base), 'train', 40);
    const archive = join(base, 'cifar-10-binary.tar.gz');
    writeFileSync(archive, await tarGz('cifar-10-batches-bin', files));
    const fromArchive = await create({ variant: 'cifar10', archive: 'cifar-10-binary.tar.gz' }, base);
    expect(fromArchive.info.classNames).toEqual(CIFAR10_NAMES);
    expect(await firstBatch(fromArchive, 'train', 40)).toEqual(a);
    mkdirSync(join(base, 'hasArchive'));
    writeFileSync(join(base, 'hasArchive', 'cifar-10-binary.tar.gz'), await tarGz('cifar-10-batches-bin', files));
    expect(await firstBatch(await create({ variant: 'cifar10', dir: 'hasArchive' }, base), 'train', 40)).toEqual(a);
  });

  it('training batches: same seed, same batches; augmentation only with an rng; no leaked tensors', async () => {
    const ds = await create({ variant: 'cifar10', dir: 'flat' }, base);
    const before = tf.memory().numTensors;
    const a = await firstBatch(ds, 'train', 8, Rng.derive(1, 'data', 0, 0));
    expect(await firstBatch(ds, 'train', 8, Rng.derive(1, 'data', 0, 0))).toEqual(a);
    expect(await firstBatch(ds, 'train', 8, Rng.derive(1, 'data', 0, 1))).not.toEqual(a);
    expect(tf.memory().numTensors).toBe(before);
    // Padding is black, (0, 0, 0) → −mean/std; no generated image has a black pixel (B = 0 implies G = 253).
    const black = [-0.4914 / 0.247, -0.4822 / 0.2435, -0.4465 / 0.2616];
    const blackPixels = (x: number[]) =>
      Array.from({ length: x.length / 3 }, (_, p) => p).filter((p) => black.every((v, k) => Math.abs(x[3 * p + k]! - v) < 1e-5)).length;
    expect(blackPixels(a.x)).toBeGreaterThan(0);
    expect(blackPixels((await firstBatch(ds, 'train', 40)).x)).toBe(0);
  });

  it('val hold-out and subsets: sizes, disjointness, determined by the seed', async () => {
    const ds = await create(
      { variant: 'cifar10', dir: 'flat', valCount: 10, trainSubset: { perClass: 2 }, testSubset: { count: 4, pick: 'first' } },
      base,
      5,
    );
    expect(ds.split('val')!.size).toBe(10);
    expect(ds.split('train')!.size).toBeLessThanOrEqual(20);
    expect(ds.split('test')!.size).toBe(4);
    const val = (await firstBatch(ds, 'val', 10)).y;
    const again = await create({ variant: 'cifar10', dir: 'flat', valCount: 10 }, base, 5);
    expect((await firstBatch(again, 'val', 10)).y).toEqual(val);
    const plainVal = await firstBatch(again, 'val', 10);
    const train = await firstBatch(again, 'train', 30);
    // Images differ by their first red pixel (p + i): the val images are not in train.
    const firstPixels = (b: { x: number[] }, n: number) => Array.from({ length: n }, (_, k) => b.x[k * 3072]!.toFixed(4));
    const overlap = firstPixels(plainVal, 10).filter((v) => firstPixels(train, 30).includes(v));
    expect(overlap).toEqual([]);
    expect(await error(create({ variant: 'cifar10', dir: 'flat', valCount: 40 }, base))).toMatch(/leaves none of the 40/);
  });

  it('custom transforms and bad combinations', async () => {
    const ds = await create(
      {
        variant: 'cifar10',
        dir: 'flat',
        transforms: [
          { type: 'randomResizedCrop', size: 24 },
          { type: 'normalize', preset: 'imagenet' },
        ],
        testTransforms: [{ type: 'centerCrop', size: 24 }, { type: 'normalize' }],
      },
      base,
    );
    expect(ds.info.inputShape).toEqual([24, 24, 3]);
    expect((await firstBatch(ds, 'train', 4, new Rng(1))).shape).toEqual([4, 24, 24, 3]);
    expect(await error(create({ variant: 'cifar10', dir: 'flat', transforms: [{ type: 'randomResizedCrop', size: 24 }] }, base))).toMatch(
      /transforms give 24×24×3 images but testTransforms give 32×32×3/,
    );
    expect(await error(create({ variant: 'cifar10', dir: 'flat', labels: 'coarse' }, base))).toMatch(
      /"labels": "coarse" needs "variant": "cifar100"/,
    );
    expect(
      await error(
        create({ variant: 'cifar10', dir: 'flat', testTransforms: [{ type: 'normalize', mean: [0.5, 0.5], std: [1, 1] }] }, base),
      ),
    ).toBe('dataset "cifar" testTransforms: normalize: 2 mean/std values for an image with 3 channels (expected 1 or 3)');
  });

  it('missing and broken sources are input errors naming what was expected', async () => {
    expect(await error(create({ variant: 'cifar10', dir: 'nowhere' }, base))).toMatch(/directory .*nowhere not found/);
    mkdirSync(join(base, 'partial'));
    writeFileSync(join(base, 'partial', 'data_batch_1.bin'), files.get('data_batch_1.bin')!);
    expect(await error(create({ variant: 'cifar10', dir: 'partial' }, base))).toMatch(
      /lacks data_batch_2.bin, .*test_batch.bin .*neither cifar-10-batches-bin\/ nor cifar-10-binary.tar.gz/,
    );
    expect(await error(create({ variant: 'cifar100', dir: 'flat' }, base))).toMatch(/lacks train.bin, test.bin/);
    const broken = new Map(files);
    broken.set('data_batch_3.bin', files.get('data_batch_3.bin')!.subarray(0, 3073 + 7));
    writeFiles(join(base, 'broken'), broken);
    expect(await error(create({ variant: 'cifar10', dir: 'broken' }, base))).toContain(
      `${join(base, 'broken', 'data_batch_3.bin')}: 3080 bytes`,
    );
    const noTest = new Map(files);
    noTest.delete('test_batch.bin');
    writeFileSync(join(base, 'noTest.tar.gz'), await tarGz('cifar-10-batches-bin', noTest));
    expect(await error(create({ variant: 'cifar10', archive: 'noTest.tar.gz' }, base))).toMatch(
      /noTest.tar.gz:cifar-10-batches-bin\/test_batch.bin: missing/,
    );
    const whole = await tarGz('cifar-10-batches-bin', files);
    writeFileSync(join(base, 'truncated.tar.gz'), whole.subarray(0, whole.length >> 1));
    expect(await error(create({ variant: 'cifar10', archive: 'truncated.tar.gz' }, base))).toMatch(
      /truncated.tar.gz: not a valid gzip file \(unexpected end of file after \d+ compressed bytes\)/,
    );
    const names = new Map(files);
    names.set('batches.meta.txt', Buffer.from('a\nb\n'));
    writeFiles(join(base, 'names'), names);
    expect(await error(create({ variant: 'cifar10', dir: 'names' }, base))).toMatch(/batches.meta.txt: 2 class names, expected 10/);
    expect(await error(create({ variant: 'cifar10', cacheDir: 'emptyCache' }, base))).toMatch(/no cifar10 data.*"download": true/);
  });
});

describe('loading CIFAR-100', () => {
  it('fine by default, coarse selectable, with their class names', async () => {
    const base = tempDir();
    writeFiles(join(base, 'cifar-100-binary'), cifarFiles('cifar100', 12, 5));
    const fine = await create({ dir: '.' }, base);
    expect(fine.info.numClasses).toBe(100);
    expect(fine.info.classNames![99]).toBe('fine_99');
    expect((await firstBatch(fine, 'train', 12)).y).toEqual(Array.from({ length: 12 }, (_, i) => labelsOf('cifar100', i)[1]));
    const coarse = await create({ dir: '.', labels: 'coarse' }, base);
    expect(coarse.info.numClasses).toBe(20);
    expect(coarse.info.classNames![19]).toBe('coarse_19');
    expect((await firstBatch(coarse, 'train', 12)).y).toEqual(Array.from({ length: 12 }, (_, i) => labelsOf('cifar100', i)[0]));
  });

  it('download: fetched once into cacheDir from a local server, verified, then read from the cache', async () => {
    const archive = await tarGz('cifar-100-binary', cifarFiles('cifar100', 10, 4));
    const server = await startArchiveServer({ '/c100.tar.gz': archive });
    try {
      const base = tempDir();
      const md5 = createHash('md5').update(archive).digest('hex');
      const options = { download: true, cacheDir: 'cache', url: server.url('/c100.tar.gz'), md5 };
      const ds = await create(options, base);
      expect(ds.split('train')!.size).toBe(10);
      expect(existsSync(join(base, 'cache', 'cifar-100-binary.tar.gz'))).toBe(true);
      expect(logged).toEqual([
        `dataset "cifar": downloading ${options.url}`,
        expect.stringMatching(/^dataset "cifar": 100 % of 0\.\d MB$/),
        `dataset "cifar": verified ${join(base, 'cache', 'cifar-100-binary.tar.gz')}`,
      ]);
      await create(options, base);
      expect(server.requests).toEqual([null]);
      expect(await error(create({ ...options, cacheDir: 'other', md5: 'f'.repeat(32) }, base))).toMatch(/checksum mismatch/);
      expect(existsSync(join(base, 'other', 'cifar-100-binary.tar.gz'))).toBe(false);
    } finally {
      await server.close();
    }
  });
});
