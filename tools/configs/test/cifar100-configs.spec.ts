import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { main } from '@kd/cli';
import { captureIo, sourceImporter } from '@kd/testing';
import { CIFAR100_DIR, PAIRS, METHODS, TEACHERS, cifar100Files, staleCifar100Files } from '../src/cifar100-configs.js';

const root = resolve(import.meta.dirname, '../../..');
const io = () => captureIo(root);

function configFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => join(dir, f));
}

describe('configs/cifar100', () => {
  it('is what tools/configs/cifar100-configs.mjs generates (else: node tools/configs/cifar100-configs.mjs)', () => {
    expect(staleCifar100Files(root)).toEqual([]);
    const generated = cifar100Files()
      .filter((f: { path: string }) => f.path.endsWith('.json'))
      .map((f: { path: string }) => join(root, f.path))
      .sort();
    // No hand-added config escapes the generator (and so this test's validation below).
    expect(configFiles(join(root, CIFAR100_DIR))).toEqual(generated);
    expect(generated).toHaveLength(TEACHERS.length + PAIRS.length * Object.keys(METHODS).length);
  });

  it('every config uses the literature recipe: 240 epochs, SGD 0.05/0.9/5e-4, batch 64, ×0.1 at 150/180/210, crop+flip+normalise', () => {
    for (const file of configFiles(join(root, CIFAR100_DIR))) {
      const c = JSON.parse(readFileSync(file, 'utf8'));
      expect(c.training, file).toEqual({
        epochs: 240,
        batchSize: 64,
        seed: 0,
        optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 5e-4 },
        schedule: { type: 'multistep', milestones: [150, 180, 210], gamma: 0.1 },
      });
      expect(c.dataset.name).toBe('cifar');
      expect(c.dataset.variant).toBe('cifar100');
      expect(c.dataset.transforms.map((t: { type: string }) => t.type)).toEqual(['randomCrop', 'horizontalFlip', 'normalize']);
      expect(c.dataset.transforms[0]).toMatchObject({ padding: 4 });
    }
  });

  describe('kd validate', () => {
    // `kd validate --schema-only` reads no data (the full validate prepares the dataset as kd run would, download
    // included), but it checks that a student's teacher weights exist: the configs are validated in a copy whose
    // teacher run directories exist (empty), with the kd cache pointed at an empty folder to show that no data is
    // needed and nothing is downloaded.
    const work = mkdtempSync(join(tmpdir(), 'kd-cifar100-configs-'));
    const copy = join(work, CIFAR100_DIR);
    const cache = join(work, 'cache');
    const savedCache = process.env['KD_CACHE_DIR'];
    beforeAll(() => {
      cpSync(join(root, CIFAR100_DIR), copy, { recursive: true });
      for (const t of TEACHERS) mkdirSync(join(work, 'runs/cifar100/teachers', t), { recursive: true });
      mkdirSync(cache);
      process.env['KD_CACHE_DIR'] = cache;
    });
    afterAll(() => {
      if (savedCache === undefined) delete process.env['KD_CACHE_DIR'];
      else process.env['KD_CACHE_DIR'] = savedCache;
    });

    it('exits 0 for every config, without the data and without downloading it', async () => {
      const files = configFiles(copy);
      expect(files.length).toBeGreaterThan(40);
      for (const file of files) {
        const out = io();
        const code = await main(['validate', '--schema-only', file], out, { importer: sourceImporter });
        expect(code, `${relative(work, file)}: ${out.stderr}`).toBe(0);
        expect(out.stdout).toContain(': valid (dataset cifar');
      }
      expect(readdirSync(cache)).toEqual([]);
    });

    it('is not vacuous: a student whose teacher has not been trained is refused with exit code 2', async () => {
      const file = join(copy, 'resnet56-to-resnet20/kd.json');
      const missing = join(dirname(file), 'elsewhere.json');
      cpSync(file, missing);
      const c = JSON.parse(readFileSync(missing, 'utf8'));
      c.teacher.weights = '../../../runs/cifar100/teachers/not-trained';
      writeFileSync(missing, JSON.stringify(c));
      const out = io();
      expect(await main(['validate', '--schema-only', missing], out, { importer: sourceImporter })).toBe(2);
      expect(out.stderr).toContain('/teacher/weights');
    });
  });
});
