// @kd/backbone-onnx's bench (run through tools/bench/onnx-throughput.mjs): teacher forward throughput of
// the package's ONNX fixture CNN (fixtures/cnn.onnx) in ONNX Runtime through kd's OnnxNetwork, against kd's own `cnn`
// backbone of the same architecture on kd's backend (onnx-forward.ts: same batch, same thread count, logits read
// back, worker hand-off and layout transposes included). onnx-speed.ts does the same for a zoo-sized resnet32x4.
// Run after building (npx nx build backbone-onnx):
//   node tools/bench/onnx-throughput.mjs [--batch 256] [--threads 1] [--seconds 5]
import 'reflect-metadata';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT as root } from './paths.js';
import { compareForward, printRates } from './onnx-forward.js';

export async function main(argv: readonly string[]): Promise<void> {
  const { values: args } = parseArgs({
    args: [...argv],
    options: {
      batch: { type: 'string', default: '256' },
      threads: { type: 'string', default: '1' },
      seconds: { type: 'string', default: '5' },
    },
  });
  const batch = Number(args.batch);
  const threads = Number(args.threads);
  const seconds = Number(args.seconds);

  const rates = await compareForward({
    loadPlugin: async () => (await import('@kd/backbone-cnn')).cnnPlugin,
    options: { channels: [8, 16], convsPerStage: 1, batchNorm: true, hidden: 0, head: 'gap' },
    onnxFile: join(root, 'packages/backbone-onnx/fixtures/cnn.onnx'),
    embedding: 'pooled',
    inputShape: [28, 28, 1],
    numClasses: 10,
    batch,
    threads,
    seconds,
    warmup: 2,
    minCalls: 0,
  });
  printRates(`teacher forward, cnn [8, 16] on 28×28×1, batch ${batch}, ${threads} thread(s), ~${seconds} s each`, rates, 0);
}
