// Child process of threads.spec.ts: sets up wasm with argv[2] threads, runs three SGD steps of a small conv net
// (conv → batch norm → relu → depthwise conv → pool → dense), and prints one JSON line: what runs, the bytes of the
// trained weights (hex), and the tensor count before and after. Exits by itself: a hanging process fails the spec.
import * as tf from '@tensorflow/tfjs-core';
import { setUpWasmBackend } from '../src/index.ts';

const threads = Number(process.argv[2]);
const backend = process.argv[3] ?? 'wasm';
let info;
if (backend === 'wasm') info = await setUpWasmBackend({ threads });
else {
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  info = { name: 'cpu', threads: 1 };
}
// Gradients come from tfjs-core's registry: tfjs-layers registers them all.
await import('@tensorflow/tfjs-layers');
if (backend === 'wasm') await setUpWasmBackend({ threads });

function seeded(shape, seed) {
  let s = seed >>> 0;
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v[i] = (s / 2 ** 32 - 0.5) * 0.5;
  }
  return tf.tensor(v, shape);
}
const x = seeded([16, 16, 16, 3], 1);
const y = tf.oneHot(
  tf.tensor1d(
    Array.from({ length: 16 }, (_, i) => i % 10),
    'int32',
  ),
  10,
);
const w1 = tf.variable(seeded([3, 3, 3, 32], 2));
const w2 = tf.variable(seeded([3, 3, 32, 1], 3));
const w3 = tf.variable(seeded([32, 10], 4));
const gamma = tf.variable(tf.add(seeded([32], 5), 1));
const beta = tf.variable(seeded([32], 6));
const vars = [w1, w2, w3, gamma, beta];
const step = () =>
  tf.tidy(() => {
    const { grads } = tf.variableGrads(() => {
      let h = tf.conv2d(x, w1, 2, 'same');
      const { mean, variance } = tf.moments(h, [0, 1, 2]);
      h = tf.relu(tf.batchNorm(h, mean, variance, beta, gamma, 1e-5));
      h = tf.depthwiseConv2d(h, w2, 1, 'same');
      const logits = tf.matMul(tf.mean(h, [1, 2]), w3);
      return tf.losses.softmaxCrossEntropy(y, logits);
    }, vars);
    for (const v of vars) v.assign(tf.sub(v, tf.mul(grads[v.name], 0.1)));
  });
step();
const before = tf.memory().numTensors;
step();
step();
const after = tf.memory().numTensors;
const bytes = vars.map((v) => Buffer.from(v.dataSync().buffer).toString('hex')).join('');
const values = vars.flatMap((v) => Array.from(v.dataSync()));
console.log(JSON.stringify({ info, before, after, bytes, values }));
