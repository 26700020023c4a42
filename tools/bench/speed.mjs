#!/usr/bin/env node
// Training speed of kd vs PyTorch on this CPU (issue: "make TensorFlow.js train as fast as PyTorch"): resnet20 and
// resnet8x4 training steps and one full KD step (teacher resnet32x4 forward + student resnet8x4 train), batch 64,
// 32×32×3, 100 classes, SGD with momentum, on every requested tfjs backend, and in the same run the same models in
// PyTorch CPU with the same thread count (tools/bench/speed_torch.py; skipped with a note where python3-torch is
// absent). Prints a table and JSON; writes <out>/speed.json.
//
//   node tools/bench/speed.mjs [--backends wasm,cpu] [--threads 2] [--batch 64] [--steps 5] [--warmup 2] [--out bench-results]
//
// The cpu backend is opt-in: its forward convolution runs at ~0.5 GFLOP/s, so one resnet8x4 step takes minutes.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { crossEntropy, klDivergence, selectBackend } from '@kd/core';
import { batchOf, resnet, sgd, trainStep } from './resnet-step.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { values: a } = parseArgs({
  options: {
    backends: { type: 'string', default: 'tensorflow,wasm' },
    threads: { type: 'string', default: String(Math.min(2, availableParallelism())) },
    batch: { type: 'string', default: '64' },
    classes: { type: 'string', default: '100' },
    steps: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    out: { type: 'string', default: join(root, 'bench-results') },
  },
});
const batch = Number(a.batch);
// Same thread count on both sides: XNNPACK's pool (@kd/backend-wasm) and PyTorch's intra-op threads.
process.env.KD_WASM_THREADS = a.threads;
const numClasses = Number(a.classes);
const steps = Number(a.steps);
const warmup = Number(a.warmup);

const network = (variant, scope, seed) => resnet(variant, { numClasses, scope, seed });

function timed(step) {
  for (let i = 0; i < warmup; i++) step();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  return (performance.now() - t0) / 1000 / steps;
}

async function kdSide(backendName) {
  let choice;
  try {
    choice = await selectBackend(backendName);
  } catch (e) {
    return { backend: backendName, skipped: e.message };
  }
  const { x, y } = batchOf(batch, numClasses);
  const results = [];
  for (const variant of ['resnet20', 'resnet8x4']) {
    const net = network(variant, 'student', 2);
    const train = trainStep(net, x, y);
    const s = timed(train.step);
    results.push({ case: `${variant} train step`, seconds: s, imgPerSec: batch / s });
    train.dispose();
    net.dispose();
  }
  const teacher = network('resnet32x4', 'teacher', 3);
  const student = network('resnet8x4', 'student', 4);
  const vars = student.trainableVariables();
  const opt = sgd(vars);
  const s = timed(() =>
    tf.tidy(() => {
      const t = teacher.apply(x, { training: false }).logits;
      const { grads } = tf.variableGrads(() => {
        const z = student.apply(x, { training: true }).logits;
        const kd = tf.mul(tf.mean(klDivergence(tf.div(z, 4), tf.div(t, 4))), 16);
        return tf.add(tf.mul(crossEntropy(z, y), 0.1), tf.mul(kd, 0.9));
      }, vars);
      opt.applyGradients(grads);
    }),
  );
  results.push({ case: 'KD step resnet32x4 -> resnet8x4', seconds: s, imgPerSec: batch / s });
  opt.dispose();
  teacher.dispose();
  student.dispose();
  x.dispose();
  y.dispose();
  return { backend: choice.name, threads: choice.threads ?? null, reason: choice.reason, kernels: choice.kernels, results };
}

function torchSide() {
  const py = '/usr/bin/python3';
  const r = spawnSync(py, [join(root, 'tools/bench/speed_torch.py'), '--threads', a.threads, '--batch', a.batch, '--classes', a.classes, '--steps', a.steps, '--warmup', a.warmup], {
    encoding: 'utf8',
  });
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : (r.stderr || '').trim().split('\n').pop();
    return { skipped: `PyTorch not run (${why}); install it with: apt-get install python3-torch` };
  }
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const kd = [];
for (const b of a.backends.split(',').map((s) => s.trim()).filter(Boolean)) kd.push(await kdSide(b));
const torch = torchSide();
const torchBy = new Map((torch.results ?? []).map((r) => [r.case, r]));
const rows = kd.flatMap((k) =>
  (k.results ?? []).map((r) => ({ backend: k.backend, ...r, torchImgPerSec: torchBy.get(r.case)?.imgPerSec ?? null, ratio: torchBy.has(r.case) ? r.imgPerSec / torchBy.get(r.case).imgPerSec : null })),
);
const report = {
  what: 'training img/s, batch 64, 32x32x3, 100 classes, SGD momentum 0.9; ratio = kd img/s ÷ PyTorch img/s measured in this run',
  threads: Number(a.threads),
  node: process.version,
  torch: torch.skipped ? { skipped: torch.skipped } : { version: torch.torch, threads: torch.threads },
  skippedBackends: kd.filter((k) => k.skipped).map((k) => ({ backend: k.backend, why: k.skipped })),
  rows,
  at: new Date().toISOString(),
};
console.log(`case                                backend   kd img/s  torch img/s   kd ÷ torch`);
for (const r of rows) {
  const t = r.torchImgPerSec == null ? '—' : r.torchImgPerSec.toFixed(1);
  const q = r.ratio == null ? '—' : r.ratio.toFixed(3);
  console.log(`${r.case.padEnd(35)} ${r.backend.padEnd(9)} ${r.imgPerSec.toFixed(1).padStart(8)}  ${t.padStart(11)}   ${q.padStart(10)}`);
}
if (torch.skipped) console.log(`note: ${torch.skipped}`);
for (const s of report.skippedBackends) console.log(`note: backend ${s.backend} skipped: ${s.why}`);
console.log(JSON.stringify(report));
mkdirSync(a.out, { recursive: true });
writeFileSync(join(a.out, 'speed.json'), `${JSON.stringify(report, null, 2)}\n`);
