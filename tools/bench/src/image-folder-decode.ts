// @kd/dataset-image-folder's bench (its `bench` target runs it through tools/bench/image-folder-decode.mjs).
// Can one core's JPEG decoding keep up with training? On ImageNet-sized JPEGs (synthetic 500×375, quality 90):
//  1. read + decode + the default training transforms (RandomResizedCrop(224), flip, normalise) on one thread, per stage;
//  2. the dataset's batch stream (decode, transforms, tensors; prefetch 2) with 0, 1, 2 decode workers, no training;
//  3. training-step img/s of students on the default backend, from random tensors: resnet20 at 32×32 (as
//     @kd/dataset-cifar's batching bench), resnet20 at the pipeline's 224×224 and, with --full, resnet18 at 224×224 (the
//     usual ImageNet student);
//  4. end to end: resnet20 at 32×32 trained on the dataset's stream at imageSize 32 (a small student on an image
//     folder, where decoding matters most), per worker count.
// pipelineOverTraining[model] = (1) / (3), as the CIFAR bench reports it: > 1 means one core decodes and augments
// faster than that student trains, so training need not wait on data when decoding has a core of its own; (4)
// against (3) shows how much training waits on this machine.
//
// Needs the built packages (nx run dataset-image-folder:bench builds them). From packages/dataset-image-folder:
//   node ../../tools/bench/image-folder-decode.mjs [--images 128] [--workers 0,1,2] [--models resnet20@32:64,resnet20@224:2]
//     [--steps 2] [--size 224] [--end-to-end-batch 32] [--no-end-to-end] [--out bench-results] [--smoke | --full]
// A model is variant@size:batch; resnet20 at 224 needs a small batch (wasm's memory holds about 2 images).
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import jpeg from 'jpeg-js';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@kd/core';
import { selectBackend } from '@kd/core/host';
import { buildTransform, imageFromBytes } from '@kd/transforms';
import { decodeImage, defaultTrainTransforms, loadImageFolderDataset } from '@kd/dataset-image-folder';
import { resnet } from './resnet-step.js';
import { batchOf, secondsPerStep, trainer } from './train-step.js';

/** A student to time: variant@size:batch; CIFAR-layout inputs get 100 classes, 224×224 ones 1000. */
interface Model {
  readonly label: string;
  readonly variant: string;
  readonly size: number;
  readonly batch: number;
  readonly classes: number;
}

/** 500×375 (ImageNet's typical size), smooth gradients plus noise so the JPEG has realistic entropy, quality 90. */
function syntheticJpeg(seed: number, width = 500, height = 375): Buffer {
  const rng = new Rng(seed);
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      data[i] = (x * 255) / width + rng.int(40);
      data[i + 1] = (y * 255) / height + rng.int(40);
      data[i + 2] = 128 + 100 * Math.sin((x + y + seed * 7) / 23) + rng.int(30);
      data[i + 3] = 255;
    }
  return jpeg.encode({ data, width, height }, 90).data;
}

export async function main(argv: readonly string[]): Promise<void> {
  const { values: a } = parseArgs({
    args: [...argv],
    options: {
      images: { type: 'string', default: '128' },
      workers: { type: 'string', default: '0,1,2' },
      models: { type: 'string', default: 'resnet20@32:64,resnet20@224:2' },
      steps: { type: 'string', default: '2' },
      size: { type: 'string', default: '224' },
      'end-to-end-batch': { type: 'string', default: '32' },
      'no-end-to-end': { type: 'boolean', default: false },
      out: { type: 'string' },
      smoke: { type: 'boolean', default: false },
      full: { type: 'boolean', default: false },
    },
  });
  // smoke (CI, seconds): 16 images, main thread only, one timed resnet20 step at 32×32, no end-to-end pass.
  // full: 256 images, and resnet18 at 224 beside the resnet20s.
  if (a.smoke) Object.assign(a, { images: '16', workers: '0', models: 'resnet20@32:16', steps: '1', 'no-end-to-end': true });
  if (a.full) Object.assign(a, { images: '256', models: 'resnet20@32:64,resnet20@224:2,resnet18@224:8', steps: '3' });
  const mode = a.smoke ? 'smoke' : a.full ? 'full' : 'standard';
  const count = Number(a.images);
  const steps = Number(a.steps);
  const size = Number(a.size);
  const workerCounts = a.workers.split(',').map(Number);
  const endToEndBatch = Math.min(count, Number(a['end-to-end-batch']));
  const models = a.models.split(',').map((m): Model => {
    const match = /^(\w+)@(\d+):(\d+)$/.exec(m);
    if (!match) throw new Error(`--models: got ${JSON.stringify(m)}; expected variant@size:batch, e.g. resnet20@32:64`);
    const [, variant, s, b] = match as unknown as [string, string, string, string];
    return { label: `${variant}@${s}`, variant, size: Number(s), batch: Number(b), classes: Number(s) >= 128 ? 1000 : 100 };
  });

  // One backend for everything (the stream's tensors and the training steps), as in a run: `auto`, or KD_BACKEND.
  const backend = await selectBackend('auto');

  const root = mkdtempSync(join(tmpdir(), 'kd-decode-bench-'));
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const dir = join(root, 'train', `c${i % 4}`);
    mkdirSync(dir, { recursive: true });
    const f = join(dir, `${i}.JPEG`);
    writeFileSync(f, syntheticJpeg(i));
    files.push(f);
  }
  const meanKiB = files.reduce((s, f) => s + readFileSync(f).length, 0) / files.length / 1024;
  const load = loadavg()[0]!;
  console.log(
    `${mode}: ${count} synthetic 500×375 JPEGs (mean ${meanKiB.toFixed(0)} KiB) → ${size}×${size}, ${cpus().length} CPUs, ` +
      `load average ${load.toFixed(1)}, backend ${backend.name}${backend.threads !== undefined ? ` (${backend.threads} threads)` : ''}`,
  );

  // 1. Stage by stage on one thread: what one core delivers.
  const transform = buildTransform(defaultTrainTransforms(size));
  let tRead = 0;
  let tDecode = 0;
  let tTransform = 0;
  const rng = new Rng(1);
  for (const f of files) {
    const t0 = performance.now();
    const bytes = readFileSync(f);
    const t1 = performance.now();
    const rgb = decodeImage(bytes, f, { maxMegapixels: 100 });
    const t2 = performance.now();
    transform.apply(imageFromBytes(rgb.data, rgb.height, rgb.width, 3), rng);
    const t3 = performance.now();
    tRead += t1 - t0;
    tDecode += t2 - t1;
    tTransform += t3 - t2;
  }
  const oneCore = (1000 * count) / (tRead + tDecode + tTransform);
  console.log(
    `one core: read ${(tRead / count).toFixed(1)} + decode ${(tDecode / count).toFixed(1)} + transforms ${(tTransform / count).toFixed(1)} ms/img ` +
      `= ${oneCore.toFixed(1)} img/s`,
  );

  /** A student and its SGD update (no weight decay) on the active backend. */
  const student = ({ variant, size: side, classes }: Model) => {
    const net = resnet(variant, { numClasses: classes, size: side, seed: 3, scope: 'bench' });
    const t = trainer(net, { weightDecay: 0 });
    return { step: t.step, dispose: () => (t.dispose(), net.dispose()) };
  };

  /** 3. Training img/s of a student from random tensors (one warm-up step, then `steps` timed). */
  const trainingImagesPerSecond = (model: Model, batch = model.batch): number => {
    const s = student(model);
    const { x, y } = batchOf(batch, model.classes, model.size);
    const perSecond = batch / secondsPerStep(() => s.step(x, y), { warmup: 1, steps });
    tf.dispose([x, y]);
    s.dispose();
    return perSecond;
  };

  /** 2 and 4. Images/s of the dataset's training stream at `side`×`side` with `workers`; with `train`, a step per batch. */
  const stream = async (
    workers: number,
    side: number,
    batchSize: number,
    train?: (x: tf.Tensor4D, y: tf.Tensor1D) => void,
  ): Promise<number> => {
    const ds = await loadImageFolderDataset(
      { name: 'image-folder', root, testFolder: null, imageSize: side, workers, prefetch: 2, maxMegapixels: 100 },
      { baseDir: '/', seed: 0 },
    );
    let n = 0;
    const t0 = performance.now();
    const split = ds.split('train');
    if (!split) throw new Error('image-folder: the dataset has no train split');
    for await (const { x, y } of split.batches({ batchSize, rng: new Rng(2), dropLast: true })) {
      if (train) train(x as tf.Tensor4D, y as tf.Tensor1D);
      n += y.shape[0];
      tf.dispose([x, y]);
    }
    const seconds = (performance.now() - t0) / 1000;
    await ds.close();
    return n / seconds;
  };

  const streamed: Record<string, number> = {};
  for (const w of workerCounts) {
    streamed[`workers${w}`] = Number((await stream(w, size, 16)).toFixed(1));
    console.log(`stream at ${size}×${size}, batches of 16, no training, workers ${w}: ${streamed[`workers${w}`]} img/s`);
  }

  const training: Record<string, unknown> = {};
  const pipelineOverTraining: Record<string, number> = {};
  for (const model of models) {
    const perSecond = trainingImagesPerSecond(model);
    training[model.label] = {
      backend: backend.name,
      ...(backend.threads !== undefined ? { threads: backend.threads } : {}),
      inputShape: [model.size, model.size, 3],
      numClasses: model.classes,
      batchSize: model.batch,
      imagesPerSecond: Number(perSecond.toFixed(2)),
    };
    pipelineOverTraining[model.label] = Number((oneCore / perSecond).toFixed(2));
    console.log(
      `${model.label} training step, batch ${model.batch}, ${backend.name}: ${perSecond.toFixed(2)} img/s; ` +
        `one core's decode+RandomResizedCrop(${size}) / training = ${pipelineOverTraining[model.label]}`,
    );
  }

  // 4. resnet20 at 32×32 trained on the stream at imageSize 32, per worker count, against the same step on ready tensors.
  const endToEnd: Record<string, number> = {};
  let readyAt32: number | undefined;
  if (!a['no-end-to-end']) {
    const model: Model = { label: 'resnet20@32', variant: 'resnet20', size: 32, batch: endToEndBatch, classes: 100 };
    readyAt32 = trainingImagesPerSecond(model);
    const s = student(model);
    const [x0, y0] = [tf.zeros<tf.Rank.R4>([endToEndBatch, 32, 32, 3]), tf.zeros<tf.Rank.R1>([endToEndBatch], 'int32')];
    s.step(x0, y0); // warm the kernels once, as trainingImagesPerSecond does
    tf.dispose([x0, y0]);
    for (const w of workerCounts) {
      endToEnd[`workers${w}`] = Number((await stream(w, 32, endToEndBatch, s.step)).toFixed(1));
      console.log(
        `resnet20@32 trained on the stream (imageSize 32, batch ${endToEndBatch}), workers ${w}: ${endToEnd[`workers${w}`]} img/s ` +
          `(${((100 * endToEnd[`workers${w}`]!) / readyAt32).toFixed(0)} % of its ${readyAt32.toFixed(1)} img/s on ready tensors)`,
      );
    }
    s.dispose();
  }
  rmSync(root, { recursive: true, force: true });

  const result = {
    package: '@kd/dataset-image-folder',
    mode,
    images: count,
    source: `synthetic 500×375 JPEG, quality 90, mean ${meanKiB.toFixed(0)} KiB`,
    imageSize: size,
    node: process.version,
    cpus: cpus().length,
    loadAverage: Number(load.toFixed(1)),
    perImageMs: {
      read: Number((tRead / count).toFixed(2)),
      decode: Number((tDecode / count).toFixed(2)),
      transforms: Number((tTransform / count).toFixed(2)),
    },
    imagesPerSecond: { decodeAndTransformsOneCore: Number(oneCore.toFixed(1)), stream: streamed },
    training,
    // > 1: one core reads, decodes and augments (at imageSize) faster than that student trains.
    pipelineOverTraining,
    // resnet20@32 trained on the stream at imageSize 32 (img/s), and the same step on ready tensors: equal means
    // training never waited on data.
    ...(readyAt32 !== undefined
      ? {
          endToEnd: {
            model: 'resnet20@32',
            imageSize: 32,
            batchSize: endToEndBatch,
            readyTensors: Number(readyAt32.toFixed(1)),
            onStream: endToEnd,
          },
        }
      : {}),
  };
  console.log(JSON.stringify(result, null, 2));
  if (a.out) {
    const dir = mode === 'standard' ? a.out : join(a.out, mode);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'dataset-image-folder-decode.json'), `${JSON.stringify(result, null, 2)}\n`);
  }
}
