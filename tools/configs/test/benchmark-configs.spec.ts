import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '@kd/core';
import { CnnNetwork } from '@kd/backbone-cnn';
import { main } from '@kd/cli';
import { captureIo, sourceImporter } from '@kd/testing';
import { expandStudy, readStudy } from '@kd/sweep';
import {
  BENCHMARK_DIR,
  BUDGET_SEEDS,
  EPOCH_BUDGETS,
  EPOCHS,
  ROWS,
  SEEDS,
  STUDENT,
  TEACHER,
  WIDE_ROWS,
  WIDE_STUDENT,
  benchmarkFiles,
  staleBenchmarkFiles,
} from '../src/benchmark-configs.js';

const root = resolve(import.meta.dirname, '../../..');
const io = () => captureIo(root);

beforeAll(async () => {
  await import('@tensorflow/tfjs-layers');
  await tf.setBackend('cpu');
});

describe('configs/benchmark', () => {
  it('is what tools/configs/benchmark-configs.mjs generates (else: node tools/configs/benchmark-configs.mjs)', () => {
    expect(staleBenchmarkFiles(root)).toEqual([]);
    const methods = readdirSync(join(root, BENCHMARK_DIR, 'methods')).sort();
    expect(methods).toEqual(
      Object.keys(ROWS)
        .map((r) => `${r}.json`)
        .sort(),
    );
    expect(readdirSync(join(root, BENCHMARK_DIR, 'wide')).sort()).toEqual(WIDE_ROWS.map((r) => `${r}.json`).sort());
    expect(benchmarkFiles()).toHaveLength(Object.keys(ROWS).length + WIDE_ROWS.length + 4);
  });

  it('pits a student strictly smaller in parameters and FLOPs against its teacher, every row on one recipe and ≥ 5 seeds', () => {
    const build = (spec: Record<string, unknown>, scope: string) =>
      new CnnNetwork({ convsPerStage: 1, batchNorm: true, hidden: 0, head: 'gap', ...spec } as never, {
        numClasses: 10,
        inputShape: [28, 28, 1],
        rng: new Rng(0),
        scope,
      });
    const [t, s, w] = [build(TEACHER, 'teacher'), build(STUDENT, 'student'), build(WIDE_STUDENT, 'wide')];
    expect(s.countParams()).toBeLessThan(t.countParams() / 10);
    expect(s.countFlops()).toBeLessThan(t.countFlops() / 5);
    // the second column's student is wider than the first and still far smaller than the teacher
    expect(w.countParams()).toBeGreaterThan(s.countParams());
    expect(w.countParams()).toBeLessThan(t.countParams() / 10);
    expect(w.countFlops()).toBeLessThan(t.countFlops() / 2);
    for (const n of [t, s, w]) n.dispose();
    expect(SEEDS.length).toBeGreaterThanOrEqual(5);
    const study = JSON.parse(readFileSync(join(root, BENCHMARK_DIR, 'study.json'), 'utf8'));
    expect(study.compare).toEqual(['scratch', 'kd']);
    expect(study.seeds).toEqual(SEEDS);
    const training = new Set<string>();
    for (const name of Object.keys(ROWS)) {
      const c = JSON.parse(readFileSync(join(root, BENCHMARK_DIR, 'methods', `${name}.json`), 'utf8'));
      expect(c.student.backbone, name).toEqual(STUDENT);
      if (c.teacher) expect(c.teacher.backbone, name).toEqual(TEACHER);
      expect(c.training.epochs, name).toBe(EPOCHS.student);
      expect(c.dataset, name).toEqual({ name: 'idx', preset: 'fashion-mnist', source: 'system' });
      training.add(JSON.stringify(c.training));
    }
    expect(training.size).toBe(1);
  });

  it('has an epoch-budget study over scratch and KD that includes the table’s epochs and budgets beyond them', () => {
    const study = JSON.parse(readFileSync(join(root, BENCHMARK_DIR, 'epochs.json'), 'utf8'));
    expect(study.base).toEqual(['methods/scratch.json', 'methods/kd.json']);
    const budgets = study.axes.epochs.map((o: Record<string, number>) => o['training.epochs']);
    expect(budgets).toEqual(EPOCH_BUDGETS);
    expect(budgets).toContain(EPOCHS.student);
    expect(Math.max(...budgets)).toBeGreaterThanOrEqual(2 * EPOCHS.student);
    const cells = expandStudy(readStudy(join(root, BENCHMARK_DIR, 'epochs.json')), (base) => basename(base, '.json'));
    expect(cells).toHaveLength(2 * EPOCH_BUDGETS.length * BUDGET_SEEDS.length);
    expect(new Set(cells.map((c) => c.group))).toEqual(
      new Set(['scratch', 'kd'].flatMap((m) => EPOCH_BUDGETS.map((e) => `${m}-epochs${e}`))),
    );
  });

  it('has a wider-student column whose rows differ from the main rows in the student alone', () => {
    const study = JSON.parse(readFileSync(join(root, BENCHMARK_DIR, 'wide.json'), 'utf8'));
    expect(study.base).toEqual(WIDE_ROWS.map((r) => `wide/${r}.json`));
    expect(study.seeds).toEqual(SEEDS);
    expect(study.compare).toEqual(['scratch', 'kd']);
    expect(study.output).not.toEqual(JSON.parse(readFileSync(join(root, BENCHMARK_DIR, 'study.json'), 'utf8')).output);
    for (const name of WIDE_ROWS) {
      const read = (dir: string) => JSON.parse(readFileSync(join(root, BENCHMARK_DIR, dir, `${name}.json`), 'utf8'));
      const { student: ws, description: _wd, output: wo, ...wide } = read('wide');
      const { student: ms, description: _md, output: mo, ...main } = read('methods');
      expect(wide, name).toEqual(main);
      expect(ws.backbone, name).toEqual(WIDE_STUDENT);
      expect(ms.backbone, name).toEqual(STUDENT);
      expect(wo, name).not.toEqual(mo);
    }
    // groups are named after the row, as the main study's are (file-name safe: ie-kd's cells are ie_kd-s<seed>), so
    // the page lines the two columns up by group
    const groups = (file: string) =>
      new Set(expandStudy(readStudy(join(root, BENCHMARK_DIR, file)), (base) => basename(base, '.json')).map((c) => c.group));
    const main = groups('study.json');
    expect(groups('wide.json')).toEqual(new Set(WIDE_ROWS.map((r) => r.replace(/-/g, '_'))));
    for (const g of groups('wide.json')) expect(main.has(g), g).toBe(true);
  });

  it('kd validate --schema-only accepts every config (in a copy whose teacher run exists)', async () => {
    const work = mkdtempSync(join(tmpdir(), 'kd-benchmark-configs-'));
    cpSync(join(root, BENCHMARK_DIR), join(work, BENCHMARK_DIR), { recursive: true });
    mkdirSync(join(work, 'runs/benchmark/teacher'), { recursive: true });
    const files = [
      join(work, BENCHMARK_DIR, 'teacher.json'),
      ...Object.keys(ROWS).map((r) => join(work, BENCHMARK_DIR, 'methods', `${r}.json`)),
      ...WIDE_ROWS.map((r) => join(work, BENCHMARK_DIR, 'wide', `${r}.json`)),
    ];
    for (const file of files) {
      const out = io();
      const code = await main(['validate', '--schema-only', file], out, { importer: sourceImporter });
      expect(code, `${relative(work, file)}: ${out.stderr}`).toBe(0);
    }
  }, 120_000);
});
