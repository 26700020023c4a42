// Where a training step's time goes: per-kernel wall time (summed over the step, forward and backward) of one
// resnet20 / resnet8x4 SGD step at batch 64, 32×32×3, 100 classes, on the wasm backend (threads from KD_WASM_THREADS).
// Used to decide what to fuse or replace next (docs/performance.md).
//
//   node tools/bench/profile-step.mjs [--variant resnet20] [--batch 64] [--steps 3]
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@kd/core/host';
import { backendName } from './backend-name.js';
import { resnet } from './resnet-step.js';
import { batchOf, trainStep } from './train-step.js';

export async function main(argv: readonly string[]): Promise<void> {
  const { values: a } = parseArgs({
    args: [...argv],
    options: {
      variant: { type: 'string', default: 'resnet20' },
      batch: { type: 'string', default: '64' },
      steps: { type: 'string', default: '3' },
      backend: { type: 'string', default: 'wasm' },
    },
  });
  const batch = Number(a.batch);
  const choice = await selectBackend(backendName(a.backend));
  const net = resnet(a.variant, { seed: 1 });
  const { x, y } = batchOf(batch);
  const { step } = trainStep(net, x, y);
  step();
  step();
  const totals = new Map<string, { ms: number; calls: number }>();
  let wall = 0;
  for (let s = 0; s < Number(a.steps); s++) {
    const t0 = performance.now();
    const info = await tf.profile(step);
    wall += performance.now() - t0;
    for (const k of info.kernels) {
      const e = totals.get(k.name) ?? { ms: 0, calls: 0 };
      e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      e.calls += 1;
      totals.set(k.name, e);
    }
  }
  const steps = Number(a.steps);
  const rows = [...totals.entries()].map(([name, e]) => ({ name, ms: e.ms / steps, calls: e.calls / steps })).sort((p, q) => q.ms - p.ms);
  const kernelMs = rows.reduce((s, r) => s + r.ms, 0);
  console.log(
    `${a.variant} batch ${batch} on ${choice.name} (${choice.reason}); step wall ${(wall / steps).toFixed(0)} ms (profiled), kernels ${kernelMs.toFixed(0)} ms`,
  );
  for (const r of rows.slice(0, 25))
    console.log(
      `${r.name.padEnd(34)} ${r.ms.toFixed(1).padStart(8)} ms ${((100 * r.ms) / kernelMs).toFixed(1).padStart(5)} %  ${String(r.calls).padStart(5)} calls`,
    );
  console.log(
    JSON.stringify({ variant: a.variant, batch, backend: choice.name, threads: choice.threads, wallMs: wall / steps, kernelMs, rows }),
  );
}
