// Training speed of kd vs PyTorch on this CPU (issue: "make TensorFlow.js train as fast as PyTorch"): resnet20 and
// resnet8x4 training steps and one full KD step (teacher resnet32x4 forward + student resnet8x4 train), batch 64,
// 32×32×3, 100 classes, SGD with momentum, on every requested tfjs backend, and in the same run the same models in
// PyTorch CPU with the same thread count (tools/bench/speed_torch.py; skipped with a note where python3-torch is
// absent). Prints a table and JSON; writes <out>/speed.json.
//
//   node tools/bench/speed.mjs [--backends wasm,cpu] [--threads 2] [--batch 64] [--steps 5] [--warmup 2] [--rounds 3] [--out bench-results]
//
// This VM's speed moves by tens of percent within minutes (a shared host), so the two sides alternate: each round
// times PyTorch, then every kd case, and the ratio is taken per round; the report gives each round and the median.
// PyTorch runs with the environment this process started with: kd's addon sets OMP_WAIT_POLICY=PASSIVE for itself,
// which would slow PyTorch's OpenMP by ~25 % were it inherited.
//
// The cpu backend is opt-in: its forward convolution runs at ~0.5 GFLOP/s, so one resnet8x4 step takes minutes.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { crossEntropy, klDivergence, type Network, type Optimizer } from '@kd/core';
import { selectBackend, type BackendChoice } from '@kd/core/host';
import { backendName } from './backend-name.js';
import { REPO_ROOT as root } from './paths.js';
import { resnet } from './resnet-step.js';
import { batchOf, sgd, trainStep } from './train-step.js';

/** One timed case on one backend. */
interface Case {
  readonly case: string;
  readonly step: () => void;
}

/** A backend's cases, built once and timed in every round; or why the backend was skipped. */
type Backend =
  | { readonly backend: string; readonly skipped: string }
  | {
      readonly backend: string;
      readonly skipped?: undefined;
      readonly threads: number | null;
      readonly reason: string;
      readonly kernels: BackendChoice['kernels'];
      readonly cases: readonly Case[];
      readonly dispose: () => void;
    };

/** What speed_torch.py prints as its last line, or why it did not run. */
interface TorchSide {
  readonly skipped?: string;
  readonly torch?: string;
  readonly threads?: number;
  readonly results?: readonly { readonly case: string; readonly imgPerSec: number }[];
}

interface RoundRow {
  readonly backend: string;
  readonly case: string;
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly imgPerSec: number;
  readonly torchImgPerSec: number | null;
  readonly ratio: number | null;
}

const median = (v: readonly number[]): number => {
  const s = [...v].sort((p, q) => p - q);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export async function main(argv: readonly string[]): Promise<void> {
  // Before any backend is chosen (the oneDNN addon adds OMP_WAIT_POLICY when it loads).
  const startEnv = { ...process.env };
  const { values: a } = parseArgs({
    args: [...argv],
    options: {
      backends: { type: 'string', default: 'tensorflow,wasm' },
      threads: { type: 'string', default: String(Math.min(2, availableParallelism())) },
      batch: { type: 'string', default: '64' },
      classes: { type: 'string', default: '100' },
      steps: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '2' },
      rounds: { type: 'string', default: '3' },
      out: { type: 'string', default: join(root, 'bench-results') },
    },
  });
  const batch = Number(a.batch);
  // Same thread count on both sides: kd's compute threads (@kd/backend-wasm: the addon's, else XNNPACK's) and PyTorch's
  // intra-op threads.
  process.env['KD_WASM_THREADS'] = a.threads;
  const numClasses = Number(a.classes);
  const steps = Number(a.steps);
  const warmup = Number(a.warmup);

  const network = (variant: string, scope: string, seed: number) => resnet(variant, { numClasses, scope, seed });

  /** Seconds (wall) and CPU seconds (user + system, all threads) per step. */
  const timed = (step: () => void) => {
    for (let i = 0; i < warmup; i++) step();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) step();
    const cpu = process.cpuUsage(c0);
    return { seconds: (performance.now() - t0) / 1000 / steps, cpuSeconds: (cpu.user + cpu.system) / 1e6 / steps };
  };

  /** The three cases on one backend, built once and timed in every round. */
  const kdCases = async (name: string): Promise<Backend> => {
    let choice: BackendChoice;
    try {
      choice = await selectBackend(backendName(name));
    } catch (e) {
      return { backend: name, skipped: (e as Error).message };
    }
    const { x, y } = batchOf(batch, numClasses);
    const cases: Case[] = [];
    const owned: { dispose(): void }[] = [x, y];
    for (const variant of ['resnet20', 'resnet8x4']) {
      const net = network(variant, 'student', 2);
      const train = trainStep(net, x, y);
      cases.push({ case: `${variant} train step`, step: train.step });
      owned.push(train, net);
    }
    const teacher: Network = network('resnet32x4', 'teacher', 3);
    const student: Network = network('resnet8x4', 'student', 4);
    const vars = student.trainableVariables();
    const opt: Optimizer = sgd(vars);
    cases.push({
      case: 'KD step resnet32x4 -> resnet8x4',
      step: () =>
        tf.tidy(() => {
          const t = teacher.apply(x, { training: false }).logits;
          const { grads } = tf.variableGrads(() => {
            const z = student.apply(x, { training: true }).logits;
            const kd = tf.mul(tf.mean(klDivergence(tf.div<tf.Tensor2D>(z, 4), tf.div<tf.Tensor2D>(t, 4))), 16);
            return tf.add(tf.mul(crossEntropy(z, y), 0.1), tf.mul(kd, 0.9)) as tf.Scalar;
          }, vars);
          opt.applyGradients(grads);
        }),
    });
    owned.push(opt, teacher, student);
    return {
      backend: choice.name,
      threads: choice.threads ?? null,
      reason: choice.reason,
      kernels: choice.kernels,
      cases,
      dispose: () => owned.forEach((o) => o.dispose()),
    };
  };

  const torchSide = (): TorchSide => {
    const py = '/usr/bin/python3';
    const r = spawnSync(
      py,
      [
        join(root, 'tools/bench/speed_torch.py'),
        '--threads',
        a.threads,
        '--batch',
        a.batch,
        '--classes',
        a.classes,
        '--steps',
        a.steps,
        '--warmup',
        a.warmup,
      ],
      { encoding: 'utf8', env: startEnv },
    );
    if (r.error || r.status !== 0) {
      const why = r.error ? r.error.message : (r.stderr || '').trim().split('\n').pop();
      return { skipped: `PyTorch not run (${why}); install it with: apt-get install python3-torch` };
    }
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as TorchSide;
  };

  const backends: Backend[] = [];
  for (const b of a.backends
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean))
    backends.push(await kdCases(b));
  const rounds: { round: number; rows: RoundRow[] }[] = [];
  let torchInfo: TorchSide | undefined;
  for (let round = 0; round < Number(a.rounds); round++) {
    const torch = torchSide();
    torchInfo ??= torch;
    const torchBy = new Map((torch.results ?? []).map((r) => [r.case, r]));
    const rows: RoundRow[] = [];
    for (const k of backends) {
      if (k.skipped !== undefined) continue;
      // Each backend's cases hold its tensors: time them with it active (selectBackend left the last one active).
      await tf.setBackend(k.backend);
      for (const c of k.cases) {
        const t = timed(c.step);
        const pt = torchBy.get(c.case)?.imgPerSec ?? null;
        rows.push({
          backend: k.backend,
          case: c.case,
          seconds: t.seconds,
          cpuSeconds: t.cpuSeconds,
          imgPerSec: batch / t.seconds,
          torchImgPerSec: pt,
          ratio: pt === null ? null : batch / t.seconds / pt,
        });
      }
    }
    rounds.push({ round: round + 1, rows });
    if (torch.skipped) break; // nothing to alternate with
  }
  const torch = torchInfo ?? { skipped: '--rounds 0: PyTorch not run' };
  const summary = (rounds[0]?.rows ?? []).map((first) => {
    const same = rounds.map((r) => r.rows.find((q) => q.backend === first.backend && q.case === first.case)!);
    const ratios = same.map((r) => r.ratio).filter((v): v is number => v !== null);
    return {
      backend: first.backend,
      case: first.case,
      imgPerSec: median(same.map((r) => r.imgPerSec)),
      torchImgPerSec: first.torchImgPerSec === null ? null : median(same.map((r) => r.torchImgPerSec!)),
      ratio: ratios.length ? median(ratios) : null,
      ratios,
    };
  });
  for (const k of backends) if (k.skipped === undefined) k.dispose();
  const report = {
    what: 'training img/s, batch 64, 32x32x3, 100 classes, SGD momentum 0.9; ratio = kd img/s ÷ PyTorch img/s, per round (PyTorch then kd, alternating), and the median over rounds',
    threads: Number(a.threads),
    node: process.version,
    torch: torch.skipped ? { skipped: torch.skipped } : { version: torch.torch, threads: torch.threads },
    skippedBackends: backends.flatMap((k) => (k.skipped !== undefined ? [{ backend: k.backend, why: k.skipped }] : [])),
    kd: backends.flatMap((k) => (k.skipped === undefined ? [{ backend: k.backend, threads: k.threads, reason: k.reason }] : [])),
    rows: summary,
    rounds,
    at: new Date().toISOString(),
  };
  console.log(`case                                backend   kd img/s  torch img/s   kd ÷ torch (median; per round)`);
  for (const r of summary) {
    const t = r.torchImgPerSec == null ? '—' : r.torchImgPerSec.toFixed(1);
    const q = r.ratio == null ? '—' : `${r.ratio.toFixed(3)} (${r.ratios.map((v) => v.toFixed(2)).join(', ')})`;
    console.log(`${r.case.padEnd(35)} ${r.backend.padEnd(9)} ${r.imgPerSec.toFixed(1).padStart(8)}  ${t.padStart(11)}   ${q}`);
  }
  if (torch.skipped) console.log(`note: ${torch.skipped}`);
  for (const s of report.skippedBackends) console.log(`note: backend ${s.backend} skipped: ${s.why}`);
  console.log(JSON.stringify(report));
  mkdirSync(a.out, { recursive: true });
  writeFileSync(join(a.out, 'speed.json'), `${JSON.stringify(report, null, 2)}\n`);
}
