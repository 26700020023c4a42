import {
  adapt,
  benchMarkdown,
  delta,
  FULL,
  mergeResults,
  orderMethods,
  scaleEpochOptions,
  SMOKE,
  stats,
  type BenchSource,
} from '../src/lib.js';

const studentConfig = {
  specVersion: 1,
  dataset: { name: 'idx', preset: 'fashion-mnist', source: 'bundled', trainLimit: 2000 },
  teacher: { backbone: { name: 'cnn', channels: [16, 32, 64] }, weights: '../../runs/bench/teacher' },
  student: { backbone: { name: 'cnn', channels: [8, 16] } },
  training: { epochs: 10, batchSize: 64 },
  output: { dir: 'x' },
};

describe('adapt(): what each bench mode changes in a config', () => {
  it('standard leaves a config as it is, and never changes its argument', () => {
    const before = JSON.stringify(studentConfig);
    expect(adapt(studentConfig, 'student', 'standard')).toEqual(studentConfig);
    adapt(studentConfig, 'student', 'smoke');
    adapt(studentConfig, 'student', 'full', { fullFashionMnist: true });
    expect(JSON.stringify(studentConfig)).toBe(before);
  });

  it('smoke: a few hundred images (more for the teacher) and one epoch', () => {
    const s = adapt(studentConfig, 'student', 'smoke');
    expect(s.dataset).toEqual({ ...studentConfig.dataset, trainLimit: SMOKE.studentTrain, testLimit: SMOKE.test });
    expect(s.training).toEqual({ epochs: 1, batchSize: 64 });
    expect(adapt(studentConfig, 'teacher', 'smoke').dataset.trainLimit).toBe(SMOKE.teacherTrain);
    // A dataset without idx's limits (a generated dataset plugin's bench) only gets the single epoch.
    const other = adapt({ ...studentConfig, dataset: { name: 'stripes', trainSize: 512 } }, 'student', 'smoke');
    expect(other.dataset).toEqual({ name: 'stripes', trainSize: 512 });
    expect(other.training.epochs).toBe(1);
  });

  it('full: the student trains on every image of Debian’s full Fashion-MNIST (no trainLimit, no testLimit)', () => {
    const s = adapt({ ...studentConfig, dataset: { ...studentConfig.dataset, testLimit: 500 } }, 'student', 'full', {
      fullFashionMnist: true,
    });
    expect(s.dataset).toEqual({ name: 'idx', preset: 'fashion-mnist', source: 'system' });
    expect(s.training).toEqual({ ...studentConfig.training, epochs: FULL.studentEpochs });
    expect(s.student).toEqual(studentConfig.student);
    const t = adapt({ ...studentConfig, dataset: { name: 'idx', preset: 'fashion-mnist', source: 'bundled' } }, 'teacher', 'full', {
      fullFashionMnist: true,
    });
    expect(t.dataset).toEqual({ name: 'idx', preset: 'fashion-mnist', source: 'system' });
  });

  it('full: teacher and students get FULL’s epochs (or --epochs), warm-ups and pre-training scaled to the same fraction', () => {
    const dkd = { ...studentConfig, distiller: { name: 'dkd', beta: 2, warmupEpochs: 2 } };
    expect(adapt(studentConfig, 'teacher', 'full', { fullFashionMnist: true }).training.epochs).toBe(FULL.teacherEpochs);
    // 10 → 1 epoch: the warm-up stays a fifth of training (2 × 0.1 = 0.2 epoch), advanced per batch; 10 → 20: 4 epochs.
    expect(adapt(dkd, 'student', 'full', { fullFashionMnist: true, epochs: 1 }).distiller).toEqual({
      name: 'dkd',
      beta: 2,
      warmupEpochs: 0.2,
      warmupUnit: 'step',
    });
    expect(adapt(dkd, 'student', 'full', { fullFashionMnist: true, epochs: 20 }).training.epochs).toBe(20);
    expect(adapt(dkd, 'student', 'full', { fullFashionMnist: true, epochs: 20 }).distiller.warmupEpochs).toBe(4);
    // autoEncoderEpochs 5 of 10 → 3 of 5 (2.5 rounds up); 0 (off) stays 0 and per epoch; other numbers are not epochs.
    expect(scaleEpochOptions({ autoEncoderEpochs: 5, warmupEpochs: 0, beta: 8 }, 0.5)).toEqual({
      autoEncoderEpochs: 3,
      warmupEpochs: 0,
      beta: 8,
    });
    expect(() => adapt(dkd, 'student', 'full', { fullFashionMnist: true, epochs: 0 })).toThrow(/epochs: got 0; expected an integer >= 1/);
  });

  it('full without the full set installed is an error naming the package, never a silent subset run', () => {
    expect(() => adapt(studentConfig, 'student', 'full', { fullFashionMnist: false })).toThrow(
      /dataset-fashion-mnist.*KD_SYSTEM_FASHION_MNIST_DIR/,
    );
  });

  it('full leaves other data alone: MNIST, a folder of the config’s own files, other datasets', () => {
    for (const dataset of [
      { name: 'idx', preset: 'mnist', dir: 'data/mnist', trainLimit: 100 },
      { name: 'idx', preset: 'fashion-mnist', dir: 'mine', trainLimit: 100 },
      { name: 'cifar', variant: 'cifar100', download: true },
    ]) {
      expect(adapt({ ...studentConfig, dataset }, 'student', 'full', { fullFashionMnist: false }).dataset).toEqual(dataset);
    }
  });

  it('refuses an unknown mode', () => {
    expect(() => adapt(studentConfig, 'student', 'fast')).toThrow(/mode: got "fast"/);
  });
});

describe('stats(): mean and sample standard deviation over seeds', () => {
  it('matches hand-computed values', () => {
    // {0.80, 0.82, 0.87}: mean 0.83; deviations −0.03, −0.01, 0.04; Σd² = 0.0026; /(n−1) = 0.0013.
    const s = stats([0.8, 0.82, 0.87]);
    expect(s.mean).toBeCloseTo(0.83, 12);
    expect(s.std).toBeCloseTo(Math.sqrt(0.0013), 12);
    expect(s.n).toBe(3);
    expect(stats([0.5])).toEqual({ mean: 0.5, std: 0, n: 1, values: [0.5] });
    expect(() => stats([])).toThrow(/no values/);
  });
});

describe('the aggregate table', () => {
  const run = (values: number[], seconds = 50) => ({
    last: stats(values),
    best: stats(values.map((v) => v + 0.01)),
    seconds: stats([seconds]),
    imagesPerSecond: stats([400]),
  });
  const teacher = { config: 'configs/bench/teacher.json', top1: 0.8885 };
  const files: BenchSource[] = [
    // distiller-kd measured scratch and kd with 3 seeds; distiller-at measured them with 1 seed (ignored) and at with 3.
    {
      pkg: 'distiller-kd',
      source: 'packages/distiller-kd/bench-results/kd.json',
      json: {
        date: '2025-01-01',
        teacher,
        results: {
          scratch: { ...run([0.86, 0.861, 0.859]), config: 'configs/bench/student-scratch.json' },
          kd: { ...run([0.862, 0.866, 0.866]), config: 'configs/bench/student-kd.json' },
        },
      },
    },
    {
      pkg: 'distiller-at',
      source: 'packages/distiller-at/bench-results/at.json',
      json: {
        date: '2025-01-02',
        teacher,
        results: {
          scratch: { ...run([0.9]), config: 'configs/bench/student-scratch.json' },
          at: { ...run([0.85, 0.852, 0.848]), config: 'configs/bench/student-at.json' },
        },
      },
    },
    {
      pkg: 'distiller-dkd',
      source: 'packages/distiller-dkd/bench-results/dkd.json',
      json: { date: '2025-01-03', teacher, results: { dkd: { ...run([0.87, 0.87, 0.87]), config: 'configs/bench/student-dkd.json' } } },
    },
  ];
  const configOf = (p: string) =>
    p.includes('scratch')
      ? { student: { backbone: { name: 'cnn', channels: [8, 16] } } }
      : { teacher: { backbone: { name: 'cnn' } }, student: { backbone: { name: 'cnn', channels: [8, 16] } } };

  it('keeps, per method, the measurement with the most seeds', () => {
    const merged = mergeResults(files);
    expect(merged.scratch.last.n).toBe(3);
    expect(merged.scratch.source).toBe('packages/distiller-kd/bench-results/kd.json');
    expect(orderMethods(merged)).toEqual(['scratch', 'kd', 'dkd', 'at']);
  });

  it('prints mean ± std in percent and the Δ columns in signed points', () => {
    expect(delta(0.8655, 0.86)).toBe('+0.55');
    expect(delta(0.85, 0.86)).toBe('−1.00');
    expect(delta(0.85, undefined)).toBe('—');
    const lines = benchMarkdown({ mode: 'full', merged: mergeResults(files), configOf, notes: '## Notes\n\nhand-written' });
    const row = (m: string) =>
      lines
        .find((l: string) => l.startsWith(`| ${m} |`))!
        .split('|')
        .map((c: string) => c.trim());
    // scratch: mean 0.86, std of {86.0, 86.1, 85.9} points = 0.1.
    expect(row('scratch').slice(1, 7)).toEqual(['scratch', '— → cnn {channels:[8,16]}', '86.00 ± 0.10', '(87.00 ± 0.10)', '—', '—']);
    // kd: mean 0.8646667 → 86.47; std of {86.2, 86.6, 86.6} = 0.2309 → 0.23; Δ scratch +0.47; no Δ vs itself.
    expect(row('kd').slice(3, 7)).toEqual(['86.47 ± 0.23', '(87.47 ± 0.23)', '+0.47', '—']);
    // dkd: 87.00 ± 0.00, +1.00 vs scratch, +0.53 vs kd; at: 85.00 ± 0.20, −1.00, −1.47.
    expect(row('dkd').slice(3, 7)).toEqual(['87.00 ± 0.00', '(88.00 ± 0.00)', '+1.00', '+0.53']);
    expect(row('at').slice(3, 7)).toEqual(['85.00 ± 0.20', '(86.00 ± 0.20)', '−1.00', '−1.47']);
    expect(row('at')[11]).toBe('`configs/bench/student-at.json`');
    expect(lines[0]).toBe('# Package benches (full)');
    expect(lines.join('\n')).toContain('docs/benchmarks/full/');
    expect(lines.join('\n')).toContain('[benchmarks-subset.md](benchmarks-subset.md)');
    expect(lines.join('\n')).toContain('Teacher: `configs/bench/teacher.json` 88.85 %.');
    expect(lines.at(-2)).toBe('## Notes\n\nhand-written');
  });

  it('the subset page is titled as such, points to the full page, and sends readers to the benchmark proper', () => {
    const lines = benchMarkdown({ mode: 'standard', merged: mergeResults(files), configOf });
    expect(lines[0]).toBe('# Package benches (subset)');
    expect(lines.join('\n')).toContain('[benchmarks-packages.md](benchmarks-packages.md)');
    expect(lines.join('\n')).toContain('[benchmarks.md](benchmarks.md) (one study, one commit, 5 seeds, confidence intervals)');
  });
});
