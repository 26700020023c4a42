#!/usr/bin/env node
// Peak tensor memory of one training step: LAKD (truncated local modules) vs LAKD without truncation vs end-to-end
// KD, on the same student, teacher and batch. Prints a table and writes bench-results/memory.json.
// Usage: node bench/memory.mjs [--student resnet20] [--teacher resnet56] [--batch 64] [--backend wasm]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { Optimizer, Rng, RunEvents, compilePluginSchema, crossEntropy, klDivergence } from '@kd/core';
import { selectBackend } from '@kd/core/host';
import { resnetPlugin } from '@kd/backbone-resnet';
import { LakdDistiller, lakdOptionsSchema } from '@kd/distiller-lakd';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { container } from 'tsyringe';

const { values: args } = parseArgs({
  options: {
    student: { type: 'string', default: 'resnet20' },
    teacher: { type: 'string', default: 'resnet56' },
    batch: { type: 'string', default: '64' },
    classes: { type: 'string', default: '100' },
    backend: { type: 'string', default: 'wasm' },
    out: { type: 'string', default: 'bench-results' },
  },
});
const batch = Number(args.batch);
const numClasses = Number(args.classes);
const backend = await selectBackend(args.backend);

function network(variant, scope, seed) {
  const options = { name: 'resnet', variant };
  compilePluginSchema(resnetPlugin.manifest)(options);
  return resnetPlugin.create(options, { container, baseDir: '.', numClasses, inputShape: [32, 32, 3], rng: new Rng(seed), scope });
}

function lakdOptions(truncate) {
  const o = { name: 'lakd', truncate, maps: { every: 0 } };
  new Ajv2020({ strict: true, useDefaults: true }).compile(lakdOptionsSchema)(o);
  return o;
}

const student = network(args.student, 'student', 1);
const teacher = network(args.teacher, 'teacher', 2);
const x = tf.randomNormal([batch, 32, 32, 3], 0, 1, 'float32', 3);
const labels = tf.tensor1d(
  Array.from({ length: batch }, (_, i) => i % numClasses),
  'int32',
);

/** Classic KD (Hinton): the trainer's end-to-end step, one tape over the whole student. */
function kdMethod() {
  const vars = student.trainableVariables();
  const optimizer = new Optimizer(
    { type: 'sgd', lr: 0.01, momentum: 0.9 },
    vars.map((variable, i) => ({ id: `s/${i}`, variable, decay: true })),
  );
  return {
    step: () =>
      tf.tidy(() => {
        const t = teacher.apply(x, { training: false });
        const { grads } = tf.variableGrads(() => {
          const s = student.apply(x, { training: true });
          const kd = tf.mul(tf.mean(klDivergence(tf.div(s.logits, 4), tf.div(t.logits, 4))), 16);
          return tf.add(tf.mul(crossEntropy(s.logits, labels), 0.1), tf.mul(kd, 0.9));
        }, vars);
        optimizer.applyGradients(grads);
      }),
    dispose: () => optimizer.dispose(),
  };
}

function lakdMethod(truncate) {
  const distiller = new LakdDistiller(lakdOptions(truncate));
  distiller.setup({
    student,
    teacher,
    numClasses,
    rng: new Rng(4),
    events: new RunEvents(),
    runDir: '.',
    createNetwork: async () => {
      throw new Error('unused');
    },
  });
  const vars = [student, ...distiller.extraModules()].flatMap((m) => m.trainableVariables());
  const optimizer = new Optimizer(
    { type: 'sgd', lr: 0.01, momentum: 0.9 },
    vars.map((variable, i) => ({ id: `p/${i}`, variable, decay: true })),
  );
  const info = { epoch: 0, epochs: 1, step: 0, globalStep: 0, stage: 'main' };
  return {
    step: () => tf.tidy(() => void distiller.trainStep({ ...info, x, labels, student, teacher, numClasses, optimizer })),
    dispose: () => {
      optimizer.dispose();
      distiller.dispose();
    },
  };
}

async function measure(name, make) {
  const method = make();
  method.step();
  method.step();
  const start = tf.memory().numBytes;
  const t0 = performance.now();
  const profile = await tf.profile(() => method.step());
  const profiledSeconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  method.step();
  const seconds = (performance.now() - t1) / 1000;
  void profiledSeconds;
  method.dispose();
  return { method: name, peakBytes: profile.peakBytes - start, stepSeconds: seconds };
}

const rows = [
  await measure('kd', kdMethod),
  await measure('lakd-untruncated', () => lakdMethod(false)),
  await measure('lakd', () => lakdMethod(true)),
];
const kd = rows[0].peakBytes;
const result = {
  what: 'peak tensor bytes allocated above the resident weights during one training step (tf.profile peakBytes − bytes before the step)',
  student: args.student,
  teacher: args.teacher,
  batch,
  numClasses,
  backend: backend.name,
  rows: rows.map((r) => ({ ...r, ratioToKd: r.peakBytes / kd })),
  lakdOverKd: rows[2].peakBytes / kd,
};
console.log(`peak step memory, ${args.teacher} → ${args.student}, batch ${batch}, backend ${backend.name}`);
console.log('method            peak MiB   ÷ KD    step s');
for (const r of result.rows) {
  console.log(
    `${r.method.padEnd(17)} ${(r.peakBytes / 2 ** 20).toFixed(1).padStart(8)}  ${r.ratioToKd.toFixed(3).padStart(6)}  ${r.stepSeconds.toFixed(2).padStart(7)}`,
  );
}
mkdirSync(args.out, { recursive: true });
writeFileSync(join(args.out, 'memory.json'), `${JSON.stringify(result, null, 2)}\n`);
