import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { PNG } from 'pngjs';

export function tempDir(prefix = 'kd-report-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Hand-chosen numbers: the tests compare the report against these, never against the report code. */
export const EPOCHS = [
  epochLine(1, 0.1, [2.5, 1.5, 1], [0.4, 0.45], 0.375, 0.5, 500),
  epochLine(2, 0.05, [1.25, 0.75, 0.5], [0.6, 0.65], 0.625, 0.75, 520),
  epochLine(3, 0.01, [0.5, 0.25, 0.25], [0.75, 0.8], 0.875, 1, 510),
];

/** One metrics.jsonl line of the 3-epoch run; the teacher's top-1 (0.9), memory and epoch time do not change. */
function epochLine(
  epoch: number,
  lr: number,
  [total, ce, kd]: [number, number, number],
  [student, agreement]: [number, number],
  trainTop1: number,
  kdWeight: number,
  imagesPerSecond: number,
) {
  return {
    stage: 'train',
    epoch,
    epochs: 3,
    lr,
    loss: { total, ce, kd },
    metrics: { 'student.top1': student, 'teacher.top1': 0.9, 'agreement.top1': agreement },
    train: { top1: trainTop1 },
    scalars: { kdWeight },
    memory: { numTensors: 41, numBytes: 1000 },
    time: { seconds: 2, imagesPerSecond },
  };
}

/**
 * steps.jsonl: two 2-step intervals per epoch of 4 steps, so the points sit at x = 0.5, 1, 1.5, … 3 on the epoch
 * axis (interval ending at step k of 4 in epoch n: n − 1 + k/4).
 */
export const STEPS = [
  [1, 2, { total: 3, ce: 2, kd: 1 }, 0.25, 0.5],
  [1, 4, { total: 2, ce: 1.25, kd: 0.75 }, 0.5, 0.5],
  [2, 2, { total: 1.5, ce: 1, kd: 0.5 }, 0.5, 0.75],
  [2, 4, { total: 1, ce: 0.625, kd: 0.375 }, 0.75, 0.75],
  [3, 2, { total: 0.75, ce: 0.5, kd: 0.25 }, 0.875, 1],
  [3, 4, { total: 0.5, ce: 0.25, kd: 0.25 }, 0.875, 1],
].map(([epoch, step, loss, trainTop1, kdWeight]) => ({
  stage: 'train',
  epoch: epoch as number,
  step: step as number,
  steps: 4,
  count: 2,
  lr: 0.1,
  loss: loss as Record<string, number>,
  scalars: { kdWeight: kdWeight as number },
  trainTop1: trainTop1 as number,
}));
export const STEP_XS = [0.5, 1, 1.5, 2, 2.5, 3];

export const CONFUSION = {
  classNames: ['cat', 'dog', '<b>bird</b>'],
  matrix: [
    [8, 1, 1],
    [2, 6, 2],
    [0, 3, 7],
  ],
};
/** evaluator-accuracy's layout: the dataset's class names once at the top, the matrices per network without them. */
export const ACCURACY = {
  evaluator: 'accuracy',
  epoch: 3,
  numClasses: 2,
  classNames: ['T-shirt/top', 'Trouser'],
  student: {
    top1: 0.875,
    confusion: [
      [3, 1],
      [0, 4],
    ],
  },
  teacher: {
    top1: 1,
    confusion: [
      [4, 0],
      [0, 4],
    ],
  },
};
/** A matrix from a dataset without class names: labelled by index. */
export const UNNAMED = {
  matrix: [
    [2, 0],
    [1, 1],
  ],
};

/** Recall per class by hand: 8/10, 6/10, 7/10. */
export const RECALL = [0.8, 0.6, 0.7];

export const CALIBRATION = {
  ece: 0.0625,
  bins: [
    { confidence: 0.125, accuracy: 0.2, count: 5 },
    { confidence: 0.375, accuracy: 0.3, count: 10 },
    { confidence: 0, accuracy: 0, count: 0 },
    { confidence: 0.875, accuracy: 0.8, count: 25 },
  ],
};

export const EVIL = '<script>alert("x")</script>&<img src=x onerror=alert(1)>';

/** A 4×3 PNG with known pixels. */
export function png(width = 4, height = 3): Buffer {
  const p = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) p.data.set([i * 20, 255 - i * 20, 128, 255], i * 4);
  return PNG.sync.write(p);
}

/**
 * A grid of maps as LAKD writes one: 2 rows × (input, teacher, student, teacher on input, student on input) tiles
 * of 8 px with 1 px gaps, describing itself in a `tEXt` chunk (keyword `kd:heat-map-grid`) after IHDR. Built here
 * from the format's description, not with LAKD's writer.
 */
export const GRID = {
  format: 'kd-heat-map-grid',
  version: 1,
  tile: 8,
  gap: 1,
  columns: ['input', 'teacher', 'student', 'teacher on input', 'student on input'],
  rows: [
    { lo: 0.125, hi: 2.5 },
    { lo: -0.5, hi: 0.75 },
  ],
  ramp: [
    [0, 0, 4],
    [252, 255, 164],
  ],
};
export function gridPng(): Buffer {
  const width = 5 * 8 + 6;
  const height = 2 * 8 + 3;
  const base = png(width, height);
  const data = Buffer.from(`kd:heat-map-grid\0${JSON.stringify(GRID)}`, 'latin1');
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write('tEXt', 4, 'latin1');
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
  return Buffer.concat([base.subarray(0, 33), chunk, base.subarray(33)]);
}

export interface FixtureOptions {
  readonly finished?: boolean;
  readonly partialLastLine?: boolean;
  readonly startedAt?: string;
}

/** A run directory as core writes it, plus the artefacts evaluators and distillers write. */
export function writeFixtureRun(dir: string, o: FixtureOptions = {}): string {
  mkdirSync(join(dir, 'artifacts'), { recursive: true });
  mkdirSync(join(dir, 'maps', 'stage1'), { recursive: true });
  const config = {
    specVersion: 1,
    description: EVIL,
    dataset: { name: 'idx', preset: 'fashion-mnist' },
    student: { backbone: { name: 'cnn', channels: [4, 8] } },
    teacher: { backbone: { name: 'cnn', channels: [8, 16] }, weights: 'teacher' },
    distiller: { name: 'kd', temperature: 4 },
    training: { epochs: 3, seed: 7 },
    output: { dir: 'run' },
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
  writeFileSync(
    join(dir, 'provenance.json'),
    JSON.stringify({
      startedAt: o.startedAt ?? new Date(Date.now() - 60_000).toISOString(),
      seed: 7,
      backend: { name: 'wasm', reason: 'default' },
      packages: { '@kd/core': '0.1.0' },
      gitSha: 'abc123',
      node: 'v20',
    }),
  );
  writeFileSync(
    join(dir, 'metrics.jsonl'),
    EPOCHS.map((e) => `${JSON.stringify(e)}\n`).join('') + (o.partialLastLine ? '{"stage":"train","epo' : ''),
  );
  writeFileSync(join(dir, 'steps.jsonl'), STEPS.map((r) => `${JSON.stringify(r)}\n`).join(''));
  if (o.finished !== false)
    writeFileSync(
      join(dir, 'summary.json'),
      JSON.stringify({
        backend: 'wasm',
        seed: 7,
        epochs: 3,
        final: EPOCHS[2]!.metrics,
        best: { metric: 'student.top1', value: 0.75, epoch: 3, stage: 'train' },
        studentParams: 1234,
        teacherParams: 5678,
        seconds: 6,
      }),
    );
  writeFileSync(join(dir, 'artifacts', 'confusion-matrix.json'), JSON.stringify({ student: CONFUSION }));
  writeFileSync(join(dir, 'artifacts', 'calibration.json'), JSON.stringify(CALIBRATION));
  writeFileSync(join(dir, 'artifacts', 'accuracy.json'), JSON.stringify(ACCURACY));
  writeFileSync(join(dir, 'artifacts', 'unnamed.json'), JSON.stringify(UNNAMED));
  writeFileSync(join(dir, 'artifacts', 'notes.json'), JSON.stringify({ note: EVIL }));
  writeFileSync(join(dir, 'maps', 'stage1', 'epoch-3.png'), png());
  writeFileSync(join(dir, 'maps', 'epoch-003-module-1.png'), gridPng());
  return dir;
}
