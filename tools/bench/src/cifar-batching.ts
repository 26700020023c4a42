// @kd/dataset-cifar's bench (its `bench` target runs it through tools/bench/cifar-batching.mjs).
// Images/s of CIFAR training batches (randomCrop pad 4 + horizontalFlip + normalize, then the x/y tensors) on one
// core, against a resnet20 student's training img/s on the default backend (pipelineOverTraining; the image-folder
// bench, image-folder-decode.ts, reports the same for JPEG decoding at 224×224).
// Usage, from packages/dataset-cifar: node ../../tools/bench/cifar-batching.mjs [--images 10000] [--batch 128] [--steps 2] [--out bench-results] [--smoke | --full]
// Needs the built packages (nx run dataset-cifar:bench builds them).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '@kd/core';
import { selectBackend } from '@kd/core/host';
import { buildTransform, imageFromBytes } from '@kd/transforms';
import { CIFAR_FORMATS, loadCifarDataset } from '@kd/dataset-cifar';
import { resnet } from './resnet-step.js';
import { batchOf, secondsPerStep, trainStep } from './train-step.js';

export async function main(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      images: { type: 'string', default: '10000' },
      batch: { type: 'string', default: '128' },
      steps: { type: 'string', default: '2' },
      out: { type: 'string' },
      smoke: { type: 'boolean', default: false },
      full: { type: 'boolean', default: false },
    },
  });
  // smoke (CI, seconds): 1,024 images, batch 64, one timed training step; full: CIFAR's 50,000 training images.
  if (values.smoke) Object.assign(values, { images: '1024', batch: '64', steps: '1' });
  if (values.full) Object.assign(values, { images: '50000', steps: '5' });
  const mode = values.smoke ? 'smoke' : values.full ? 'full' : 'standard';
  const images = Number(values.images);
  const batchSize = Number(values.batch);
  const steps = Number(values.steps);
  await tf.setBackend('cpu');

  // Random bytes in the CIFAR-10 layout: 5 training files and a small test file.
  const dir = mkdtempSync(join(tmpdir(), 'kd-cifar-bench-'));
  const f = CIFAR_FORMATS.cifar10;
  const rng = new Rng(1);
  const per = Math.ceil(images / 5);
  for (const name of [...f.trainFiles, ...f.testFiles]) {
    const n = f.testFiles.includes(name) ? 10 : per;
    const bytes = new Uint8Array(n * f.recordBytes);
    for (let i = 0; i < bytes.length; i++) bytes[i] = i % f.recordBytes === 0 ? rng.int(10) : rng.int(256);
    writeFileSync(join(dir, name), bytes);
  }
  const ds = await loadCifarDataset({ name: 'cifar', variant: 'cifar10', dir }, { baseDir: dir, seed: 0 });
  const split = ds.split('train');
  if (!split) throw new Error('cifar: the dataset has no train split');

  const epoch = async (seed: number): Promise<number> => {
    const start = performance.now();
    let n = 0;
    for await (const { x, y } of split.batches({ batchSize, rng: Rng.derive(seed, 'data', 0, 0), dropLast: true })) {
      n += x.shape[0];
      tf.dispose([x, y]);
    }
    return n / ((performance.now() - start) / 1000);
  };

  // Transforms alone, without batching or tensors.
  const transformsOnly = (): number => {
    const t = buildTransform([{ type: 'randomCrop', padding: 4 }, { type: 'horizontalFlip' }, { type: 'normalize', preset: 'cifar10' }]);
    const bytes = new Uint8Array(3072).map((_, i) => i % 256);
    const r = new Rng(2);
    const n = Math.min(images, 20000);
    const start = performance.now();
    for (let i = 0; i < n; i++) t.apply(imageFromBytes(bytes, 32, 32, 3), r);
    return n / ((performance.now() - start) / 1000);
  };

  await epoch(0); // warm-up
  const batched = Math.max(await epoch(1), await epoch(2));
  const transformed = transformsOnly();

  /** What the pipeline has to keep up with: a resnet20 student's training step on the default backend, same batch. */
  const resnet20TrainImagesPerSecond = async () => {
    const backend = await selectBackend('auto');
    const net = resnet('resnet20', { numClasses: 100, seed: 3, scope: 'bench' });
    const { x, y } = batchOf(batchSize, 100);
    const train = trainStep(net, x, y, { weightDecay: 0 });
    const perSecond = batchSize / secondsPerStep(train.step, { warmup: 1, steps });
    tf.dispose([x, y]);
    train.dispose();
    net.dispose();
    return {
      backend: backend.name,
      ...(backend.threads !== undefined ? { threads: backend.threads } : {}),
      imagesPerSecond: Math.round(perSecond),
    };
  };
  const training = await resnet20TrainImagesPerSecond();
  const result = {
    package: '@kd/dataset-cifar',
    mode,
    images: split.size,
    batchSize,
    node: process.version,
    imagesPerSecond: { batches: Math.round(batched), transformsOnly: Math.round(transformed) },
    resnet20Training: training,
    // > 1: one core prepares batches faster than the student consumes them, so training never waits on data.
    pipelineOverTraining: Number((batched / training.imagesPerSecond).toFixed(1)),
  };
  console.log(JSON.stringify(result, null, 2));
  if (values.out) {
    const out = mode === 'standard' ? values.out : join(values.out, mode);
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'dataset-cifar-batching.json'), `${JSON.stringify(result, null, 2)}\n`);
  }
  rmSync(dir, { recursive: true, force: true });
}
