#!/usr/bin/env node
// Teacher forward throughput: the ONNX fixture CNN in ONNX Runtime (through kd's OnnxNetwork, i.e. including the
// worker hand-off and the layout transposes) against kd's own `cnn` backbone of the same architecture on kd's backend,
// at the same batch size and thread count. Run after building (npx nx build backbone-onnx):
//   node packages/backbone-onnx/bench/throughput.mjs [--batch 256] [--threads 1] [--seconds 5]
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const { values: args } = parseArgs({
  options: {
    batch: { type: 'string', default: '256' },
    threads: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '5' },
  },
});
const batch = Number(args.batch);
const threads = Number(args.threads);
const seconds = Number(args.seconds);
// kd's wasm backend reads its thread count from the environment when it starts.
process.env.KD_WASM_THREADS = String(threads);

const tf = await import('@tensorflow/tfjs-core');
const { Rng } = await import('@kd/core');
const { selectBackend } = await import('@kd/core/host');
const { cnnPlugin } = await import('@kd/backbone-cnn');
const { onnxPlugin } = await import('@kd/backbone-onnx');

const backend = await selectBackend(process.env.KD_BACKEND ?? 'auto');
const context = (scope) => ({
  container: undefined,
  baseDir: '.',
  numClasses: 10,
  inputShape: [28, 28, 1],
  rng: Rng.derive(0, 'init', scope),
  scope,
});

/** Images per second of `forward` over about `seconds`, after two warm-up calls. */
function measure(forward) {
  const x = tf.randomNormal([batch, 28, 28, 1], 0, 1, 'float32', 1);
  const once = () => tf.tidy(() => forward(x).logits.dataSync());
  once();
  once();
  let n = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < seconds) {
    once();
    n++;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  x.dispose();
  return (n * batch) / elapsed;
}

const kd = await cnnPlugin.create(
  { name: 'cnn', channels: [8, 16], convsPerStage: 1, batchNorm: true, hidden: 0, head: 'gap' },
  context('teacher'),
);
const kdRate = measure((x) => kd.apply(x, { training: false }));
kd.dispose();

const onnx = await onnxPlugin.create(
  {
    name: 'onnx',
    layout: 'NCHW',
    featureLayout: 'NCHW',
    input: '',
    logits: 'logits',
    embedding: 'pooled',
    stages: {},
    executionProviders: ['cpu'],
    threads,
    maxFileBytes: 2 ** 31 - 1,
    timeoutSeconds: 600,
  },
  context('teacher'),
);
onnx.loadWeights(fileURLToPath(new URL('../fixtures/cnn.onnx', import.meta.url)), '/teacher/weights');
const onnxRate = measure((x) => onnx.apply(x, { training: false }));
onnx.dispose();

console.log(`teacher forward, cnn [8, 16] on 28×28×1, batch ${batch}, ${threads} thread(s), ~${seconds} s each`);
console.log(`kd ${backend.name} backend (${backend.threads ?? '?'} thread(s); ${backend.reason}): ${kdRate.toFixed(0)} img/s`);
console.log(`ONNX Runtime (cpu) via @kd/backbone-onnx: ${onnxRate.toFixed(0)} img/s`);
console.log(`ratio ONNX / kd: ${(onnxRate / kdRate).toFixed(2)}`);
