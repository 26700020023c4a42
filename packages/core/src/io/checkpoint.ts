import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import type { TrainableModule } from '../contracts/network.js';
import type { Optimizer } from '../engine/optimizer.js';
import { readTensors, writeTensors, type TensorEntry } from './tensor-file.js';
import { writeDirAtomic, writeFileAtomic } from './atomic.js';
import { assignState } from './network-weights.js';
import { KdInputError } from '../errors/errors.js';
import { crashPoint } from '../engine/crash-point.js';
import type { BestEpoch, RunWarning } from './run-files.js';
import type { StepLogState } from '../engine/step-log.js';

/** Where a run stands: enough to continue exactly where it stopped. */
export interface TrainingPosition {
  readonly stageIndex: number;
  readonly stage: string;
  /** Epochs of this stage already completed. */
  readonly epochsDone: number;
  /**
   * Steps of the next epoch already taken: set only by a checkpoint written when a run was interrupted mid-epoch
   * (SIGINT/SIGTERM). A resume replays that epoch's batch stream and skips these steps.
   */
  readonly stepsDone?: number | undefined;
  /** The interrupted epoch's running loss sums and seconds, so its metrics line comes out as if never stopped. */
  readonly partial?:
    | {
        readonly sums: Readonly<Record<string, number>>;
        readonly seconds: number;
        readonly spikes: number;
        /** The step log's open interval and epoch sums (steps.jsonl), absent in checkpoints of earlier versions. */
        readonly steps?: StepLogState | undefined;
      }
    | undefined;
  /** The loss-spike monitor's recent losses and the warnings so far, so a resumed run warns as the original would. */
  readonly monitor?: { readonly recent: readonly number[]; readonly warnings: readonly RunWarning[] } | undefined;
  /** Lines of metrics.jsonl that belong to the state (later ones are discarded on resume). */
  readonly metricsLines: number;
  /** Best evaluation so far, for the summary. */
  readonly best?: BestEpoch | undefined;
  /** Extra state a distiller asked to keep (JSON). */
  readonly extra?: Readonly<Record<string, unknown>> | undefined;
}

interface CheckpointFile extends TrainingPosition {
  readonly format: 'kd-checkpoint';
  readonly version: 1;
  readonly modules: readonly string[];
  readonly optimizer: { readonly step: number; readonly lr: number; readonly slots: readonly { id: string; count: number }[] } | null;
  readonly tensors: readonly TensorEntry[];
  readonly writtenAt: string;
}

const LATEST = 'latest.json';

/** Names sort in training order: a mid-epoch checkpoint (`-k<steps>`) after its epoch's start, before its end. */
export function checkpointName(p: Pick<TrainingPosition, 'stageIndex' | 'stage' | 'epochsDone' | 'stepsDone'>): string {
  const mid = p.stepsDone ? `-k${String(p.stepsDone).padStart(7, '0')}` : '';
  return `s${p.stageIndex}-${p.stage}-e${String(p.epochsDone).padStart(4, '0')}${mid}`;
}

const CHECKPOINT_DIR = /^s\d+-.+-e\d{4}(-k\d{7})?$/;

/**
 * Writes modules' state, optimiser slots and the position atomically (a complete directory is renamed into
 * place, then `latest.json` is replaced), and prunes older checkpoints beyond `keep`.
 */
export function saveCheckpoint(
  root: string,
  position: TrainingPosition,
  modules: readonly TrainableModule[],
  optimizer: Optimizer | null,
  keep = 2,
): string {
  const name = checkpointName(position);
  const dir = join(root, name);
  writeDirAtomic(dir, (tmp) => {
    const tensors: { name: string; tensor: tf.Tensor }[] = [];
    for (const m of modules) for (const v of m.stateVariables()) tensors.push({ name: `${m.name}::${v.name}`, tensor: v.variable });
    const opt = optimizer?.getState();
    if (opt) for (const s of opt.slots) s.values.forEach((t, i) => tensors.push({ name: `optimizer::${s.id}::${i}`, tensor: t }));
    const entries = writeTensors(tmp, 'state.bin', tensors);
    crashPoint('checkpoint-tensors-written');
    const file: CheckpointFile = {
      format: 'kd-checkpoint',
      version: 1,
      ...position,
      modules: modules.map((m) => m.name),
      optimizer:
        opt && optimizer ? { step: opt.step, lr: optimizer.lr, slots: opt.slots.map((s) => ({ id: s.id, count: s.values.length })) } : null,
      tensors: entries,
      writtenAt: new Date().toISOString(),
    };
    writeFileAtomic(join(tmp, 'state.json'), JSON.stringify(file, null, 1));
  });
  crashPoint('checkpoint-renamed');
  writeFileAtomic(join(root, LATEST), JSON.stringify({ checkpoint: name }));
  const all = readdirSync(root)
    .filter((d) => CHECKPOINT_DIR.test(d))
    .sort();
  for (const old of all.slice(0, Math.max(0, all.length - keep)))
    if (old !== name) rmSync(join(root, old), { recursive: true, force: true });
  return dir;
}

export interface LoadedCheckpoint {
  readonly dir: string;
  readonly position: TrainingPosition;
  /** Restores the modules; call once the modules of the checkpoint's stage exist. */
  restoreModules(modules: readonly TrainableModule[]): void;
  /** Restores optimiser slots and step count. */
  restoreOptimizer(optimizer: Optimizer): void;
  dispose(): void;
}

export function latestCheckpoint(root: string): string | undefined {
  const latest = join(root, LATEST);
  if (!existsSync(latest)) return undefined;
  let checkpoint: unknown;
  try {
    checkpoint = (JSON.parse(readFileSync(latest, 'utf8')) as { checkpoint?: unknown }).checkpoint;
  } catch (e) {
    throw new KdInputError(`${latest}: not readable JSON (${(e as Error).message}); expected {"checkpoint": "<name>"}`);
  }
  if (typeof checkpoint !== 'string' || !CHECKPOINT_DIR.test(checkpoint))
    throw new KdInputError(
      `${latest}: /checkpoint: got ${JSON.stringify(checkpoint)?.slice(0, 80)}; expected a checkpoint name like "s0-train-e0003"`,
    );
  const dir = join(root, checkpoint);
  if (!existsSync(join(dir, 'state.json'))) throw new KdInputError(`${latest}: names ${dir}, which has no state.json`);
  return dir;
}

export function loadCheckpoint(dir: string): LoadedCheckpoint {
  const path = join(dir, 'state.json');
  let file: CheckpointFile;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as CheckpointFile;
  } catch (e) {
    throw new KdInputError(`${path}: cannot read checkpoint (${(e as Error).message})`);
  }
  if (file.format !== 'kd-checkpoint')
    throw new KdInputError(`${path}: expected format "kd-checkpoint", got ${JSON.stringify(file.format)}`);
  const tensors = readTensors(dir, 'state.bin', file.tensors);
  return {
    dir,
    position: {
      stageIndex: file.stageIndex,
      stage: file.stage,
      epochsDone: file.epochsDone,
      ...(file.stepsDone ? { stepsDone: file.stepsDone } : {}),
      ...(file.partial ? { partial: file.partial } : {}),
      ...(file.monitor ? { monitor: file.monitor } : {}),
      metricsLines: file.metricsLines,
      best: file.best,
      extra: file.extra,
    },
    restoreModules(modules) {
      for (const m of modules) {
        const prefix = `${m.name}::`;
        const values = new Map<string, tf.Tensor>();
        for (const [k, t] of tensors) if (k.startsWith(prefix)) values.set(k.slice(prefix.length), t);
        assignState(m, values, `${path} (module ${m.name})`);
      }
    },
    restoreOptimizer(optimizer) {
      if (!file.optimizer) return;
      const slots = new Map<string, tf.Tensor[]>();
      for (const s of file.optimizer.slots)
        slots.set(
          s.id,
          Array.from({ length: s.count }, (_, i) => tensors.get(`optimizer::${s.id}::${i}`)!),
        );
      optimizer.setState(file.optimizer.step, slots);
      optimizer.lr = file.optimizer.lr;
    },
    dispose() {
      for (const t of tensors.values()) t.dispose();
      tensors.clear();
    },
  };
}
