// Training-step and inference throughput (img/s) of every model a backbone package offers, on each requested tfjs
// backend: the `bench` target of the backbone packages. CIFAR-layout models run at 32×32×3 with 100 classes and batch
// 64; ImageNet-layout models (resnet18/34/50, mobilenetv1) at 224×224×3 with 1000 classes and batch 8, since a
// batch of 64 at 224 takes minutes per step on a CPU. Writes <out>/backbones-<package>.json and prints a table.
//
//   node tools/bench/backbones.mjs --package @kd/backbone-resnet [--models resnet20,resnet8x4] [--backends wasm] [--batch 64] [--smoke]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import type { BackbonePlugin } from '@kd/core';
import { selectBackend, type BackendChoice } from '@kd/core/host';
import { backendName } from './backend-name.js';
import { backbone, batchOf, secondsPerStep, trainStep } from './train-step.js';

/** A model of a package: its label, its options, and whether it has the ImageNet layout (224×224, 1000 classes). */
type Model = readonly [label: string, options: Readonly<Record<string, unknown>>, imagenet: boolean];

/** Models per package. */
const MODELS: Readonly<Record<string, readonly Model[]>> = {
  '@kd/backbone-resnet': [
    ...[
      'resnet8',
      'resnet14',
      'resnet20',
      'resnet32',
      'resnet44',
      'resnet56',
      'resnet110',
      'resnet8x4',
      'resnet32x4',
      'cifar_resnet18',
      'cifar_resnet50',
    ].map((v): Model => [v, { variant: v }, false]),
    ...['resnet18', 'resnet34', 'resnet50'].map((v): Model => [v, { variant: v }, true]),
  ],
  '@kd/backbone-wrn': [
    [16, 1],
    [16, 2],
    [40, 1],
    [40, 2],
  ].map(([d, w]): Model => [`wrn_${d}_${w}`, { depth: d, widen: w }, false]),
  '@kd/backbone-vgg': ['vgg8', 'vgg11', 'vgg13', 'vgg16', 'vgg19'].map((v): Model => [v, { variant: v }, false]),
  '@kd/backbone-mobilenet': [
    ['mobilenetv2', { variant: 'mobilenetv2' }, false],
    ['mobilenetv2_half', { variant: 'mobilenetv2_half' }, false],
    ['mobilenetv1', { variant: 'mobilenetv1' }, true],
  ],
  '@kd/backbone-shufflenet': ['shufflenetv1', 'shufflenetv2'].map((v): Model => [v, { variant: v }, false]),
  '@kd/backbone-cnn': [['cnn_16_32_64', { channels: [16, 32, 64] }, false]],
};

interface Row {
  readonly model: string;
  readonly backend: string;
  readonly input: readonly [number, number, number];
  readonly batch: number;
  readonly params: number;
  readonly flops: number | null;
  readonly inferImgPerSec: number;
  readonly trainImgPerSec: number;
}

const isBackbonePlugin = (v: unknown): v is BackbonePlugin =>
  typeof v === 'object' && v !== null && (v as { manifest?: { kind?: unknown } }).manifest?.kind === 'backbone';

export async function main(argv: readonly string[]): Promise<void> {
  const { values: a } = parseArgs({
    args: [...argv],
    options: {
      package: { type: 'string' },
      models: { type: 'string' },
      backends: { type: 'string', default: 'tensorflow,wasm' },
      steps: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '1' },
      out: { type: 'string', default: 'bench-results' },
      // Batch size of every model (default: 64 for the CIFAR layout, 8 for ImageNet's).
      batch: { type: 'string' },
      smoke: { type: 'boolean', default: false },
      full: { type: 'boolean', default: false },
    },
  });
  // smoke (CI): the package's first model, one timed step at batch 8 — it checks that the bench runs, not how fast;
  // full: the default set (there is no bigger one). (shufflenetv1 at batch 64 outgrew wasm's 4 GB before the fused
  // training kernels of docs/performance.md steps 9–13; with them and the oneDNN addon it trains at ≈ 37 img/s on 2 cores.)
  if (a.smoke) Object.assign(a, { steps: '1', warmup: '0', batch: a.batch ?? '8' });
  if (a.batch !== undefined && !(Number.isInteger(Number(a.batch)) && Number(a.batch) >= 1)) {
    process.stderr.write(`backbones: --batch: got ${a.batch}; expected an integer >= 1\n`);
    process.exit(2);
  }
  const pkg = a.package;
  const list = pkg === undefined ? undefined : MODELS[pkg];
  if (pkg === undefined || !list) {
    process.stderr.write(`backbones: --package: got ${JSON.stringify(pkg)}; expected one of ${Object.keys(MODELS).join(', ')}\n`);
    process.exit(2);
  }
  const wanted = a.models ? new Set(a.models.split(',')) : a.smoke ? new Set([list[0]![0]]) : undefined;
  const mod = (await import(pkg)) as Record<string, unknown>;
  if (pkg === '@kd/backbone-shufflenet') (mod['registerChannelSlice'] as () => void)();
  const plugin = Object.values(mod).find(isBackbonePlugin);
  if (!plugin) throw new Error(`${pkg}: exports no backbone plugin`);
  const timing = { steps: Number(a.steps), warmup: Number(a.warmup) };

  const rows: Row[] = [];
  const skipped: { backend: string; why: string }[] = [];
  for (const name of a.backends.split(',')) {
    let choice: BackendChoice;
    try {
      choice = await selectBackend(backendName(name));
    } catch (e) {
      skipped.push({ backend: name, why: (e as Error).message });
      continue;
    }
    for (const [label, options, imagenet] of list) {
      if (wanted && !wanted.has(label)) continue;
      const size = imagenet ? 224 : 32;
      const batch = a.batch !== undefined ? Number(a.batch) : imagenet ? 8 : 64;
      const classes = imagenet ? 1000 : 100;
      const net = await backbone(plugin, options, { numClasses: classes, size, seed: 1, scope: 'bench' });
      const { x, y } = batchOf(batch, classes, size);
      const train = trainStep(net, x, y, { lr: 0.01, weightDecay: 0 });
      const infer = secondsPerStep(() => tf.tidy(() => void net.apply(x, { training: false }).logits.dataSync()), timing);
      const trainSeconds = secondsPerStep(train.step, timing);
      const row: Row = {
        model: label,
        backend: choice.name,
        input: [size, size, 3],
        batch,
        params: net.countParams(),
        flops: net.countFlops?.() ?? null,
        inferImgPerSec: batch / infer,
        trainImgPerSec: batch / trainSeconds,
      };
      rows.push(row);
      console.log(
        `${label.padEnd(18)} ${choice.name.padEnd(6)} ${String(size).padStart(3)}px b${String(batch).padEnd(3)} infer ${row.inferImgPerSec.toFixed(1).padStart(8)} img/s   train ${row.trainImgPerSec.toFixed(1).padStart(7)} img/s`,
      );
      train.dispose();
      net.dispose();
      x.dispose();
      y.dispose();
    }
  }
  for (const s of skipped) console.log(`note: backend ${s.backend} skipped: ${s.why}`);
  mkdirSync(a.out, { recursive: true });
  writeFileSync(
    join(a.out, `${a.smoke ? 'smoke-' : ''}backbones-${pkg.split('/').pop()}.json`),
    `${JSON.stringify({ package: pkg, rows, skipped, at: new Date().toISOString() }, null, 2)}\n`,
  );
}
