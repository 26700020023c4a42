// Teacher forward throughput of a zoo model: resnet32x4 (CIFAR-100 shapes, random weights) exported from PyTorch to
// ONNX and run in ONNX Runtime through @kd/backbone-onnx (worker hand-off and the NHWC → NCHW transpose included),
// against kd's own resnet32x4 backbone on kd's backend: same batch, same thread count, logits read back.
// The ONNX file is made once by packages/backbone-onnx/bench/export-resnet32x4.py (needs Python with torch; Debian's
// /usr/bin/python3 has it) unless --model names one. Run from the sources:
//   KD_BENCH_FROM_SOURCE=1 node tools/bench/onnx-speed.mjs \
//     [--batch 64] [--threads 1] [--seconds 10] [--model resnet32x4.onnx] [--python /usr/bin/python3]
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Tensor4D } from '@tensorflow/tfjs-core';
import type { Network } from '@kd/core';
import { REPO_ROOT as root } from './paths.js';
import { backendName } from './backend-name.js';

export async function main(argv: readonly string[]): Promise<void> {
  const { values: args } = parseArgs({
    args: [...argv],
    options: {
      batch: { type: 'string', default: '64' },
      threads: { type: 'string', default: '1' },
      seconds: { type: 'string', default: '10' },
      model: { type: 'string' },
      python: { type: 'string', default: '/usr/bin/python3' },
    },
  });
  const batch = Number(args.batch);
  const threads = Number(args.threads);
  const seconds = Number(args.seconds);
  // kd's wasm backend reads its thread count from the environment when it starts.
  process.env['KD_WASM_THREADS'] = String(threads);

  const model = args.model ?? join(tmpdir(), 'kd-bench-resnet32x4.onnx');
  if (!existsSync(model)) {
    const script = join(root, 'packages/backbone-onnx/bench/export-resnet32x4.py');
    console.error(`exporting resnet32x4 to ${model} with ${args.python}`);
    execFileSync(args.python, [script, model], { stdio: 'inherit' });
  }

  // Loaded only now, after KD_WASM_THREADS is set.
  const tf = await import('@tensorflow/tfjs-core');
  const { Rng } = await import('@kd/core');
  const { selectBackend } = await import('@kd/core/host');
  const { resnetPlugin } = await import('@kd/backbone-resnet');
  const { onnxPlugin } = await import('@kd/backbone-onnx');
  const { container } = await import('tsyringe');

  const backend = await selectBackend(backendName(process.env['KD_BACKEND'] ?? 'auto'));
  const INPUT = [32, 32, 3] as const;
  const context = (scope: string) => ({
    container,
    baseDir: '.',
    numClasses: 100,
    inputShape: INPUT,
    rng: Rng.derive(0, 'init', scope),
    scope,
  });

  /** Images per second of `forward` over at least `seconds` (and 3 calls), after one warm-up call. */
  const measure = (forward: (x: Tensor4D) => ReturnType<Network['apply']>): number => {
    const x: Tensor4D = tf.randomNormal([batch, ...INPUT], 0, 1, 'float32', 1);
    const once = () => tf.tidy(() => forward(x).logits.dataSync());
    once();
    let n = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0;
    while (elapsed < seconds || n < 3) {
      once();
      n++;
      elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    }
    x.dispose();
    return (n * batch) / elapsed;
  };

  const kd = await resnetPlugin.create(
    { name: 'resnet', variant: 'resnet32x4' } as Parameters<typeof resnetPlugin.create>[0],
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
      embedding: '',
      stages: {},
      executionProviders: ['cpu'],
      threads,
      maxFileBytes: 2 ** 31 - 1,
      timeoutSeconds: 600,
    } as unknown as Parameters<typeof onnxPlugin.create>[0],
    context('teacher'),
  );
  await onnx.loadWeights?.(model, '/teacher/weights');
  const onnxRate = measure((x) => onnx.apply(x, { training: false }));
  onnx.dispose();

  console.log(`teacher forward, resnet32x4 on 32×32×3 (100 classes), batch ${batch}, ${threads} thread(s), ≥ ${seconds} s each`);
  console.log(`kd ${backend.name} backend (${backend.threads ?? '?'} thread(s); ${backend.reason}): ${kdRate.toFixed(1)} img/s`);
  console.log(`ONNX Runtime (cpu) via @kd/backbone-onnx: ${onnxRate.toFixed(1)} img/s`);
  console.log(`ratio ONNX / kd: ${(onnxRate / kdRate).toFixed(2)}`);
}
