// What one training step of each distiller costs relative to KD's, on the CIFAR-100 pair the literature reports most
// (resnet32x4 → resnet8x4, batch 64, 32×32×3, 100 classes): the trainer's own step (Session.step) on the run's
// backend, after warm-up steps, with KD measured before and after the others so drift shows. Methods with extra
// modules (connectors, embedding heads, memory banks, fusion modules) cost more; the table lets users choose.
// The data are random images in the real CIFAR-100 binary format and the teacher is randomly initialised: the
// cost of a step does not depend on what the weights are.
//
//   node tools/bench/method-cost.mjs [--methods kd,dkd,…] [--steps 3] [--warmup 1] [--threads 2] [--out bench-results]
//
// Writes <out>/method-cost.json and prints a table. Run from source (KD_BENCH_FROM_SOURCE=1) or after
// `nx run-many -t build`.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { saveNetwork, type PluginSpec } from '@kd/core';
import { KdRuntime } from '@kd/core/host';
import { REPO_ROOT as root } from './paths.js';

/** Each method with the settings of its CIFAR-100 config (configs/cifar100/resnet32x4-to-resnet8x4/). */
const METHODS: Readonly<Record<string, PluginSpec>> = {
  kd: { name: 'kd', ceWeight: 0.1, kdWeight: 0.9, temperature: 4 },
  dkd: { name: 'dkd', beta: 8 },
  dist: { name: 'dist' },
  aekt: { name: 'aekt' },
  at: { name: 'at' },
  fitnet: { name: 'fitnet' },
  ft: { name: 'ft', autoEncoderEpochs: 1 },
  'ie-kd': { name: 'ie-kd', autoEncoderEpochs: 1 },
  dml: { name: 'dml' },
  lakd: { name: 'lakd' },
  sp: { name: 'sp' },
  pkt: { name: 'pkt' },
  rkd: { name: 'rkd' },
  nst: { name: 'nst' },
  kdsvd: { name: 'kdsvd' },
  vid: { name: 'vid' },
  ofd: { name: 'ofd' },
  crd: { name: 'crd' },
  reviewkd: { name: 'reviewkd', reviewkdWeight: 5 },
};
interface Row {
  readonly method: string;
  readonly seconds: number;
  readonly before?: number;
  readonly after?: number;
}

/** A CIFAR-100 binary split of `n` random images: per record a coarse and a fine label byte, then 3072 pixel bytes. */
function cifar100Split(n: number, seed: number): Buffer {
  const bytes = Buffer.alloc(n * 3074);
  let s = seed;
  for (let i = 0; i < bytes.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    bytes[i] = s >>> 24;
  }
  for (let r = 0; r < n; r++) {
    bytes[r * 3074] = r % 20;
    bytes[r * 3074 + 1] = r % 100;
  }
  return bytes;
}

export async function main(argv: readonly string[]): Promise<void> {
  const { values: a } = parseArgs({
    args: [...argv],
    options: {
      methods: { type: 'string', default: '' },
      steps: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '1' },
      threads: { type: 'string', default: '2' },
      batch: { type: 'string', default: '64' },
      out: { type: 'string', default: join(root, 'bench-results') },
    },
  });
  process.env['KD_WASM_THREADS'] = a.threads;
  const batch = Number(a.batch);
  const chosen = a.methods ? a.methods.split(',') : Object.keys(METHODS);
  for (const m of chosen)
    if (!METHODS[m]) throw new Error(`--methods: unknown method "${m}"; expected some of ${Object.keys(METHODS).join(', ')}`);

  const work = mkdtempSync(join(tmpdir(), 'kd-method-cost-'));
  const rows: Row[] = [];
  try {
    const data = join(work, 'data', 'cifar-100-binary');
    mkdirSync(data, { recursive: true });
    const steps = Number(a.steps) + Number(a.warmup);
    writeFileSync(join(data, 'train.bin'), cifar100Split(batch * (steps + 1), 1));
    writeFileSync(join(data, 'test.bin'), cifar100Split(batch, 2));
    writeFileSync(join(data, 'fine_label_names.txt'), `${Array.from({ length: 100 }, (_, i) => `c${i}`).join('\n')}\n`);
    writeFileSync(join(data, 'coarse_label_names.txt'), `${Array.from({ length: 20 }, (_, i) => `g${i}`).join('\n')}\n`);
    const base = (distiller: PluginSpec | undefined) => ({
      specVersion: 1,
      backend: 'auto',
      dataset: { name: 'cifar', variant: 'cifar100', dir: 'data' },
      teacher: { backbone: { name: 'resnet', variant: 'resnet32x4' }, weights: 'teacher' },
      student: { backbone: { name: 'resnet', variant: 'resnet8x4' } },
      distiller,
      evaluators: [],
      training: { epochs: 2, batchSize: batch, seed: 0, optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 5e-4 } },
      output: { dir: 'unused' },
    });
    const runtime = new KdRuntime({ root });
    // A randomly initialised teacher saved where teacher.weights points (its first session builds it).
    {
      const file = join(work, 'teacher.json');
      const { teacher: _t, distiller: _d, ...scratch } = base(undefined);
      writeFileSync(file, JSON.stringify({ ...scratch, student: { backbone: { name: 'resnet', variant: 'resnet32x4' } } }));
      const s = await runtime.openSession(file);
      saveNetwork(join(work, 'teacher'), s.parts.student);
      s.dispose();
    }

    const measure = async (method: string): Promise<number> => {
      const file = join(work, `${method}.json`);
      writeFileSync(file, JSON.stringify(base(METHODS[method])));
      const session = await runtime.openSession(file);
      try {
        // Multi-stage methods (an auto-encoder stage first): the student stage is what a run spends its epochs in.
        session.useStage(session.stages.at(-1)!.name);
        const times: number[] = [];
        let i = 0;
        for await (const b of session.batches(0)) {
          const t0 = performance.now();
          session.step(b, { epoch: 0, step: i });
          times.push((performance.now() - t0) / 1000);
          b.x.dispose();
          b.y.dispose();
          if (++i >= steps) break;
        }
        const timed = times.slice(Number(a.warmup));
        return timed.reduce((x, y) => x + y, 0) / timed.length;
      } finally {
        session.dispose();
      }
    };

    const kdBefore = await measure('kd');
    for (const m of chosen.filter((x) => x !== 'kd')) {
      const seconds = await measure(m);
      rows.push({ method: m, seconds });
      console.log(`${m.padEnd(10)} ${seconds.toFixed(3)} s/step`);
    }
    const kdAfter = await measure('kd');
    const kd = (kdBefore + kdAfter) / 2;
    rows.unshift({ method: 'kd', seconds: kd, before: kdBefore, after: kdAfter });
    const withRatio = rows.map((r) => ({ ...r, ratioToKd: r.seconds / kd }));
    const result = {
      pair: 'resnet32x4 → resnet8x4',
      batch,
      threads: Number(a.threads),
      steps: Number(a.steps),
      date: new Date().toISOString(),
      rows: withRatio,
    };
    mkdirSync(a.out, { recursive: true });
    writeFileSync(join(a.out, 'method-cost.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log(`\n| method | s/step | ÷ KD |\n|---|---:|---:|`);
    for (const r of [...withRatio].sort((x, y) => x.ratioToKd - y.ratioToKd))
      console.log(`| ${r.method} | ${r.seconds.toFixed(3)} | ${r.ratioToKd.toFixed(2)} |`);
    console.log(
      `KD before ${kdBefore.toFixed(3)} s, after ${kdAfter.toFixed(3)} s (drift ${((100 * (kdAfter - kdBefore)) / kdBefore).toFixed(1)} %)`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
