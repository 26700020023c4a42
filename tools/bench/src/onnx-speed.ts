// Teacher forward throughput of a zoo model: resnet32x4 (CIFAR-100 shapes, random weights) exported from PyTorch to
// ONNX and run in ONNX Runtime through @kd/backbone-onnx, against kd's own resnet32x4 backbone on kd's backend
// (onnx-forward.ts: same batch, same thread count, logits read back). @kd/backbone-onnx's own bench,
// onnx-throughput.ts, compares its small fixture CNN the same way.
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
import { REPO_ROOT as root } from './paths.js';
import { compareForward, printRates } from './onnx-forward.js';

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

  const model = args.model ?? join(tmpdir(), 'kd-bench-resnet32x4.onnx');
  if (!existsSync(model)) {
    const script = join(root, 'packages/backbone-onnx/bench/export-resnet32x4.py');
    console.error(`exporting resnet32x4 to ${model} with ${args.python}`);
    execFileSync(args.python, [script, model], { stdio: 'inherit' });
  }

  const rates = await compareForward({
    loadPlugin: async () => (await import('@kd/backbone-resnet')).resnetPlugin,
    options: { variant: 'resnet32x4' },
    onnxFile: model,
    embedding: '',
    inputShape: [32, 32, 3],
    numClasses: 100,
    batch,
    threads,
    seconds,
    warmup: 1,
    minCalls: 3,
  });
  printRates(`teacher forward, resnet32x4 on 32×32×3 (100 classes), batch ${batch}, ${threads} thread(s), ≥ ${seconds} s each`, rates, 1);
}
