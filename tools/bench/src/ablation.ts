// What each training-speed change is worth (docs/performance.md): resnet20 and resnet8x4 SGD steps (batch 64,
// 32×32×3, 100 classes) on wasm, each configuration in a fresh process (the XNNPACK thread count is fixed per
// process), all in one run so the figures share the machine's state:
//   A  @kd/tfjs-kernels' convolution kernels only (stock FusedBatchNorm gradient, stock Sum/Mean), 1 thread
//   B  A + the FusedBatchNorm gradient without Tile, 1 thread
//   C  B + leading-axes Sum/Mean by average pooling, 1 thread
//   D  C with 2 XNNPACK threads (@kd/backend-wasm)
//   E  D + Identity/same-dtype Cast sharing data and Slice as block copies (all of @kd/tfjs-kernels)
//   F  E + convolutions on oneDNN (@kd/tfjs-onednn; needs its addon built). From here the 2 threads are oneDNN's
//      (OpenMP) and XNNPACK runs one, as @kd/backend-wasm now sets it up whenever the addon loads
//   G  F + per-channel Multiply/Add/Sub, FusedBatchNorm and leading-axes Sum/Mean in the addon
//   H  G + the whole training-mode batch norm as one kernel and one gradient kernel (@kd/core's BatchNormalization)
//   I  H + the SGD update as one kernel per parameter (@kd/core's Optimizer)
//   J  I + Relu and its gradient as one kernel each in the addon (everything)
// Prints img/s (wall) and CPU ms per step (user + system of the process: less sensitive to other load than wall
// time) and writes <out>/ablation.json.
//
//   node tools/bench/ablation.mjs [--steps 3] [--warmup 1] [--out bench-results]
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { REPO_ROOT as root } from './paths.js';

/** What one configuration of the ablation turns on. */
interface Ablation {
  readonly threads: number;
  readonly bnGrad: boolean;
  readonly reductions: boolean;
  readonly copies: boolean;
  readonly oneDnn: 'off' | 'conv' | 'all';
  readonly bnTraining: boolean;
  readonly sgdKernel: boolean;
  readonly relu: boolean;
  readonly what: string;
}

const base = { bnGrad: true, reductions: true, copies: true, oneDnn: 'off', bnTraining: false, sgdKernel: false, relu: false } as const;
const CONFIGS: Readonly<Record<string, Ablation>> = {
  A: { ...base, threads: 1, bnGrad: false, reductions: false, copies: false, what: 'conv kernels only' },
  B: { ...base, threads: 1, reductions: false, copies: false, what: '+ FusedBatchNorm gradient without Tile' },
  C: { ...base, threads: 1, copies: false, what: '+ leading-axes Sum/Mean by average pooling' },
  D: { ...base, threads: 2, copies: false, what: '+ 2 XNNPACK threads' },
  E: { ...base, threads: 2, what: '+ shared Identity/Cast, block-copy Slice' },
  F: { ...base, threads: 2, oneDnn: 'conv', what: '+ convolutions on oneDNN' },
  G: { ...base, threads: 2, oneDnn: 'all', what: '+ per-channel element-wise, BN, sums in the addon' },
  H: { ...base, threads: 2, oneDnn: 'all', bnTraining: true, what: '+ whole training batch norm, one kernel each way' },
  I: { ...base, threads: 2, oneDnn: 'all', bnTraining: true, sgdKernel: true, what: '+ SGD update, one kernel per parameter' },
  J: {
    ...base,
    threads: 2,
    oneDnn: 'all',
    bnTraining: true,
    sgdKernel: true,
    relu: true,
    what: '+ Relu and its gradient, one kernel each',
  },
};
const COPY_KERNELS = ['Identity', 'Cast', 'Slice'];
const ELEMENTWISE_KERNELS = ['Multiply', 'Add', 'Sub', 'FusedBatchNorm', 'Sum', 'Mean', 'Relu'];

interface Options {
  readonly steps: string;
  readonly warmup: string;
  readonly batch: string;
}

/** One configuration, in this process (the launcher's `--child <name>`): prints its rows as a JSON line. */
async function child(name: string, a: Options): Promise<void> {
  const cfg = CONFIGS[name];
  if (!cfg) throw new Error(`--child: unknown configuration ${JSON.stringify(name)}; expected one of ${Object.keys(CONFIGS).join(', ')}`);
  process.env['KD_WASM_THREADS'] = String(cfg.threads);
  process.env['KD_ONEDNN'] = cfg.oneDnn === 'off' ? '0' : '';
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-layers');
  await import('@tensorflow/tfjs-backend-wasm');
  // tfjs's own entries, taken before kd replaces them, to put back for the ablated configurations.
  const stock = { grad: tf.getGradient('FusedBatchNorm')!, reluGrad: tf.getGradient('Relu')! };
  const stockKernels = new Map<string, KernelConfig>(
    [...COPY_KERNELS, ...ELEMENTWISE_KERNELS].map((k) => [k, tf.getKernel(k, 'wasm')!] as const),
  );
  const restore = (names: readonly string[]) => {
    for (const k of names) {
      tf.unregisterKernel(k, 'wasm');
      tf.registerKernel(stockKernels.get(k)!);
    }
  };
  const { selectBackend } = await import('@kd/core/host');
  const { resnet } = await import('./resnet-step.js');
  const { batchOf, trainStep } = await import('./train-step.js');
  const choice = await selectBackend('wasm');
  if (cfg.oneDnn !== 'off' && !/oneDNN \d/.test(choice.oneDnn ?? '')) throw new Error(`oneDNN is not available: ${choice.oneDnn}`);
  if (!cfg.copies) restore(COPY_KERNELS);
  if (cfg.oneDnn === 'conv') {
    // Back to what these kernels were before the addon took them (@kd/tfjs-kernels' Sum/Mean, wasm's others).
    const { registerOneDnnKernels, unregisterOneDnnKernels } = await import('@kd/tfjs-onednn');
    unregisterOneDnnKernels();
    const before = new Map(ELEMENTWISE_KERNELS.map((k) => [k, tf.getKernel(k, 'wasm')!] as const));
    registerOneDnnKernels({ threads: cfg.threads });
    for (const [k, config] of before) {
      tf.unregisterKernel(k, 'wasm');
      tf.registerKernel(config);
    }
  }
  if (!cfg.bnGrad) {
    tf.unregisterGradient('FusedBatchNorm');
    tf.registerGradient(stock.grad);
  }
  if (!cfg.reductions) restore(['Sum', 'Mean']);
  // Without these kernels, @kd/core's layer and optimiser take the stock op chains.
  if (!cfg.bnTraining) tf.unregisterKernel('KdBatchNormTraining', 'wasm');
  if (!cfg.sgdKernel) tf.unregisterKernel('KdSgdUpdate', 'wasm');
  if (!cfg.relu) {
    // wasm's Relu (XNNPACK) and tfjs-core's Step + Multiply gradient.
    if (cfg.oneDnn === 'all') restore(['Relu']);
    tf.unregisterGradient('Relu');
    tf.registerGradient(stock.reluGrad);
  }
  const batch = Number(a.batch);
  const { x, y } = batchOf(batch);
  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const rows = [];
  for (const variant of ['resnet20', 'resnet8x4']) {
    const net = resnet(variant);
    const { step, dispose } = trainStep(net, x, y);
    for (let i = 0; i < Number(a.warmup); i++) step();
    const c0 = cpuMs();
    const t0 = performance.now();
    for (let i = 0; i < Number(a.steps); i++) step();
    const wall = (performance.now() - t0) / Number(a.steps);
    rows.push({ variant, imgPerSec: (batch * 1000) / wall, wallMs: wall, cpuMs: (cpuMs() - c0) / Number(a.steps) });
    dispose();
    net.dispose();
  }
  console.log(JSON.stringify({ config: name, ...cfg, threads: choice.threads, rows }));
}

/** A configuration's line as its child process prints it. */
interface ChildResult extends Ablation {
  readonly config: string;
  readonly rows: readonly { readonly variant: string; readonly imgPerSec: number; readonly wallMs: number; readonly cpuMs: number }[];
}

export async function main(argv: readonly string[]): Promise<void> {
  const { values: a } = parseArgs({
    args: [...argv],
    options: {
      child: { type: 'string' },
      steps: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '1' },
      batch: { type: 'string', default: '64' },
      out: { type: 'string', default: join(root, 'bench-results') },
    },
  });
  if (a.child) return child(a.child, a);
  // Each configuration in a fresh process through this script's launcher (the XNNPACK thread count is fixed per process).
  const launcher = join(root, 'tools/bench/ablation.mjs');
  const results: ChildResult[] = [];
  for (const name of Object.keys(CONFIGS)) {
    const r = spawnSync(process.execPath, [launcher, '--child', name, '--steps', a.steps, '--warmup', a.warmup, '--batch', a.batch], {
      encoding: 'utf8',
      env: { ...process.env, KD_WASM_THREADS: '' },
    });
    if (r.status !== 0) throw new Error(`configuration ${name} failed: ${r.stderr.slice(-1500)}`);
    results.push(JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult);
  }
  console.log('config  what                                              model       img/s   CPU ms/step');
  for (const c of results)
    for (const row of c.rows)
      console.log(
        `${c.config.padEnd(7)} ${c.what.padEnd(49)} ${row.variant.padEnd(10)} ${row.imgPerSec.toFixed(1).padStart(6)}  ${row.cpuMs.toFixed(0).padStart(8)}`,
      );
  const report = {
    what: 'SGD step, batch ' + a.batch + ', 32x32x3, 100 classes, wasm',
    at: new Date().toISOString(),
    node: process.version,
    results,
  };
  mkdirSync(a.out, { recursive: true });
  writeFileSync(join(a.out, 'ablation.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(JSON.stringify(report));
}
