import * as tf from '@tensorflow/tfjs-core';
import type { Batch, Dataset, DatasetSplit } from '../contracts/dataset.js';
import type { Distiller, StagePlan, StepInfo } from '../contracts/distiller.js';
import type { Evaluator, Metrics } from '../contracts/evaluator.js';
import type { Network, NetworkOutput, TrainableModule } from '../contracts/network.js';
import type { PipelineConfig } from '../config/pipeline-config.js';
import { Rng } from '../rng/rng.js';
import { Optimizer } from './optimizer.js';
import { trainingStep, type StepResult } from './training-step.js';
import type { TeacherCache } from './teacher-cache.js';
import { stageOptimizer, stagesOf, stepPlan } from './stage-modules.js';
import type { RunEvents } from './events.js';
import { RUN_FILES, type RunDirectory } from './run-directory.js';
import { saveCheckpoint, type LoadedCheckpoint, type TrainingPosition } from '../io/checkpoint.js';
import { KdInputError } from '../errors/errors.js';
import type { RunWarning } from '../io/run-files.js';
import { LossSpikeMonitor } from './loss-spike-monitor.js';
import { StepLog } from './step-log.js';
import { crashPoint } from './crash-point.js';
import { SIGNAL_EXIT_CODES, TrainingStopped, type StopRequest, type StopSignal } from './training-stopped.js';

export interface NamedEvaluator {
  readonly name: string;
  readonly evaluator: Evaluator;
}

export interface TrainerInput {
  readonly config: PipelineConfig;
  readonly runDir: RunDirectory;
  readonly dataset: Dataset;
  readonly student: Network;
  readonly teacher?: Network | undefined;
  readonly distiller?: Distiller | undefined;
  /** Serves the teacher's forward pass from disk when the config asks for a cache. */
  readonly teacherCache?: TeacherCache | undefined;
  readonly evaluators: readonly NamedEvaluator[];
  readonly events: RunEvents;
  readonly resume?: LoadedCheckpoint | undefined;
  /** Set by the host on SIGINT/SIGTERM: the trainer checkpoints at the next step boundary and stops. */
  readonly stop?: StopRequest | undefined;
}

export interface TrainerResult {
  readonly epochs: number;
  readonly final: Metrics;
  readonly best: TrainingPosition['best'];
}

/** The metric that picks the best epoch: the first evaluator's student top-1 when present. */
const BEST_METRIC = 'student.top1';

/** Whole batches per epoch (the last partial batch is dropped); the runtime checks it is at least one before a run starts. */
export function stepsPerEpoch(trainSize: number, batchSize: number): number {
  return Math.floor(trainSize / batchSize);
}

function formatLoss(v: number): string {
  return Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : v.toFixed(4);
}

function describeTerms(losses: Record<string, number>): string {
  return Object.entries(losses)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

/**
 * Evaluators report the share of test images whose logits were non-finite (`<network>.nonFinite`); any at all means
 * the network's predictions are garbage, whatever its accuracy says.
 */
function requireFiniteEvaluation(metrics: Metrics, stage: string, epoch: number): void {
  for (const [k, v] of Object.entries(metrics))
    if (/(^|\.)student\.nonFinite$/.test(k) && v > 0)
      throw new TrainingStopped({
        kind: 'non-finite',
        message: `the student's evaluation logits were non-finite (NaN or infinite) for ${(v * 100).toFixed(2)}% of the test images (${k}) in stage ${stage}, epoch ${epoch + 1}; the run diverged: lower the learning rate`,
        stage,
        epoch: epoch + 1,
      });
}

/**
 * Runs the stages of a pipeline: per step a teacher forward in inference mode (when used), the student
 * forward in training mode, the distiller's loss and one optimiser update — or the distiller's own update.
 * Everything a step allocates is freed inside `tf.tidy`; state lives in variables only.
 */
export class Trainer {
  private readonly stages: readonly StagePlan[];
  private readonly extra: readonly TrainableModule[];

  constructor(private readonly input: TrainerInput) {
    this.stages = stagesOf(input.distiller);
    this.extra = input.distiller?.extraModules?.() ?? [];
  }

  private get allModules(): TrainableModule[] {
    return [this.input.student, ...this.extra];
  }

  /** The run's warnings so far (loss spikes), for summary.json, also when the run fails. */
  warnings: RunWarning[] = [];
  /** The last evaluation's metrics, for the summary of a run that stops early. */
  lastMetrics: Metrics = {};
  best: TrainingPosition['best'];

  async run(): Promise<TrainerResult> {
    const { config, runDir, dataset, events, resume } = this.input;
    const stop = this.input.stop ?? { signal: null };
    const train = dataset.split('train');
    const test = dataset.split('test') ?? dataset.split('val');
    if (!train) throw new KdInputError('/dataset: the dataset has no train split');
    this.best = resume?.position.best;
    this.warnings = [...(resume?.position.monitor?.warnings ?? [])];
    const monitor = new LossSpikeMonitor(config.training.lossSpikeFactor, resume?.position.monitor?.recent);
    let metricsLines = resume ? resume.position.metricsLines : 0;
    let totalEpochs = 0;
    if (resume) {
      resume.restoreModules(this.allModules);
      this.truncateSteps(resume.position);
    }

    for (let si = 0; si < this.stages.length; si++) {
      const stage = this.stages[si]!;
      const epochs = stage.epochs ?? config.training.epochs;
      totalEpochs += epochs;
      if (resume && si < resume.position.stageIndex) continue;
      const resumesHere = resume !== undefined && si === resume.position.stageIndex;
      const startEpoch = resumesHere ? resume.position.epochsDone : 0;
      if (startEpoch >= epochs) continue;
      const optimizer = stageOptimizer(config, stage, this.allModules);
      if (resumesHere) resume.restoreOptimizer(optimizer);
      const partial = resumesHere ? resume.position.partial : undefined;
      const skipSteps = resumesHere ? (resume.position.stepsDone ?? 0) : 0;
      // Everything is restored now: free the checkpoint's tensors before training allocates anything.
      resume?.dispose();
      const checkpoint = (epochsDone: number, extra: Pick<TrainingPosition, 'stepsDone' | 'partial'> = {}) =>
        saveCheckpoint(
          runDir.path(RUN_FILES.checkpoints),
          {
            stageIndex: si,
            stage: stage.name,
            epochsDone,
            ...extra,
            metricsLines,
            best: this.best,
            monitor: { recent: monitor.state, warnings: this.warnings },
            extra: { seed: config.training.seed },
          },
          this.allModules,
          optimizer,
          config.output.keepCheckpoints,
        );
      try {
        const vars = optimizer.params.map((p) => p.variable);
        const steps = stepsPerEpoch(train.size, config.training.batchSize);
        await events.emit('stageStart', { stage: stage.name, epochs });

        for (let epoch = startEpoch; epoch < epochs; epoch++) {
          await events.emit('epochStart', { stage: stage.name, epoch, epochs, steps });
          // Streams derive from (seed, stage, epoch) alone, so a resumed run draws exactly what it would have.
          const rng = Rng.derive(config.training.seed, 'data', stage.name, epoch);
          const resumed = epoch === startEpoch && partial;
          const sums: Record<string, number> = resumed ? { ...partial.sums } : {};
          let spikes = resumed ? partial.spikes : 0;
          const secondsBefore = resumed ? partial.seconds : 0;
          const skip = epoch === startEpoch ? skipSteps : 0;
          const stepLog = new StepLog(runDir.path(RUN_FILES.steps), stage.name, epoch, steps, resumed ? partial.steps : undefined);
          let step = 0;
          const t0 = performance.now();
          for await (const batch of train.batches({ batchSize: config.training.batchSize, rng, dropLast: true })) {
            if (step < skip) {
              // Replaying the stream up to where the interrupted run stopped keeps every later batch identical.
              batch.x.dispose();
              batch.y.dispose();
              step++;
              continue;
            }
            // A step is synchronous compute and batches arrive through microtasks, so signal handlers (macrotasks)
            // would never run before the run ends: give the event loop one turn per step (microseconds).
            if (this.input.stop) await new Promise<void>((r) => setImmediate(r));
            if (stop.signal) {
              batch.x.dispose();
              batch.y.dispose();
              const seconds = secondsBefore + (performance.now() - t0) / 1000;
              this.interrupted(
                stop.signal,
                stage.name,
                epoch,
                step,
                checkpoint(epoch, { stepsDone: step, partial: { sums, seconds, spikes, steps: stepLog.state } }),
              );
            }
            const { lr, info } = stepPlan(config, optimizer, stage.name, { epoch, epochs, step, steps });
            optimizer.lr = lr;
            let losses: Record<string, number>;
            let scalars: Record<string, number> | undefined;
            let correct: number | undefined;
            try {
              ({ losses, scalars, correct } = this.step(batch, vars, optimizer, info));
            } finally {
              batch.x.dispose();
              batch.y.dispose();
            }
            const total = losses['total']!;
            if (!Number.isFinite(total))
              throw new TrainingStopped({
                kind: 'diverged',
                message: `the loss became ${total} at stage ${stage.name}, epoch ${epoch + 1}, step ${step + 1} (${describeTerms(losses)}); the run diverged: lower the learning rate or the loss weights`,
                stage: stage.name,
                epoch: epoch + 1,
                step: step + 1,
              });
            for (const [k, v] of Object.entries(losses)) sums[k] = (sums[k] ?? 0) + v;
            const spike = monitor.observe(total);
            if (spike) {
              spikes++;
              // One warning per epoch is enough to point at the problem; the metrics line counts them all.
              if (spikes === 1) {
                const warning: RunWarning = {
                  kind: 'loss-spike',
                  message: `loss spike at stage ${stage.name}, epoch ${epoch + 1}, step ${step + 1}: ${formatLoss(total)} is ${spike.ratio.toFixed(1)}× the median ${formatLoss(spike.median)} of the recent steps`,
                  stage: stage.name,
                  epoch: epoch + 1,
                  step: step + 1,
                  value: total,
                  median: spike.median,
                };
                this.warnings.push(warning);
                await events.emit('warning', { message: warning.message });
              }
            }
            const batchSize = config.training.batchSize;
            stepLog.observe(step, { losses, scalars, correct, batchSize, lr });
            await events.emit('stepEnd', {
              stage: stage.name,
              epoch,
              epochs,
              step,
              steps,
              batchSize,
              lr,
              losses,
              ...(scalars ? { scalars } : {}),
              ...(correct !== undefined ? { trainTop1: correct / batchSize } : {}),
            });
            step++;
            crashPoint('step');
          }
          const seconds = secondsBefore + (performance.now() - t0) / 1000;
          this.requireFiniteState(stage.name, epoch);
          let metrics: Metrics = {};
          if (test && ((epoch + 1) % config.training.evalEvery === 0 || epoch === epochs - 1))
            metrics = await this.evaluate(test, epoch, stage.name);
          requireFiniteEvaluation(metrics, stage.name, epoch);
          const mem = tf.memory();
          const loss: Record<string, number> = {};
          for (const [k, v] of Object.entries(sums)) loss[k] = v / Math.max(1, step);
          const record = {
            stage: stage.name,
            epoch: epoch + 1,
            epochs,
            lr: optimizer.lr,
            loss,
            metrics,
            ...stepLog.epochFields(),
            ...(spikes ? { lossSpikes: spikes } : {}),
            memory: { numTensors: mem.numTensors, numBytes: mem.numBytes },
            time: { seconds, imagesPerSecond: ((step - skip) * config.training.batchSize) / Math.max(1e-9, seconds - secondsBefore) },
          };
          runDir.appendMetrics(record);
          metricsLines++;
          const m = metrics[BEST_METRIC];
          if (m !== undefined && (!this.best || m > this.best.value))
            this.best = { metric: BEST_METRIC, value: m, epoch: epoch + 1, stage: stage.name };
          if (Object.keys(metrics).length) this.lastMetrics = metrics;
          checkpoint(epoch + 1);
          await events.emit('epochEnd', { stage: stage.name, epoch, epochs, record, metrics });
        }
      } finally {
        optimizer.dispose();
      }
      await events.emit('stageEnd', { stage: stage.name, epochs });
    }
    resume?.dispose();
    // A resumed run whose remaining epochs did not evaluate takes the last evaluation it recorded before.
    if (Object.keys(this.lastMetrics).length === 0 && resume)
      for (const l of runDir.metricsLines()) if (Object.keys(l.metrics ?? {}).length) this.lastMetrics = l.metrics;
    return { epochs: totalEpochs, final: this.lastMetrics, best: this.best };
  }

  private interrupted(signal: StopSignal, stage: string, epoch: number, step: number, checkpointDir: string): never {
    throw new TrainingStopped(
      {
        kind: 'interrupted',
        message: `interrupted by ${signal} at stage ${stage}, epoch ${epoch + 1}, after ${step} steps; checkpoint ${checkpointDir} written: continue with kd run --resume ${this.input.runDir.dir}`,
        stage,
        epoch: epoch + 1,
        step,
      },
      SIGNAL_EXIT_CODES[signal],
    );
  }

  /**
   * Weights and running statistics must stay finite: a NaN running variance makes every later prediction NaN while
   * the training loss can stay finite, and such a network must never become a checkpoint, `final/` or the best epoch.
   */
  private requireFiniteState(stage: string, epoch: number): void {
    const vars = this.allModules.flatMap((m) => m.stateVariables().map((v) => ({ name: `${m.name}/${v.name}`, variable: v.variable })));
    const flags = tf.tidy(() => tf.stack(vars.map((v) => tf.all(tf.isFinite(v.variable)))).dataSync());
    const bad = vars.filter((_, i) => !flags[i]);
    if (bad.length)
      throw new TrainingStopped({
        kind: 'non-finite',
        message: `${bad
          .map((v) => v.name)
          .slice(0, 5)
          .join(
            ', ',
          )}${bad.length > 5 ? ` and ${bad.length - 5} more` : ''} became non-finite (NaN or infinite) in stage ${stage}, epoch ${epoch + 1}; the run diverged: lower the learning rate`,
        stage,
        epoch: epoch + 1,
      });
  }

  private step(batch: Batch, vars: tf.Variable[], optimizer: Optimizer, info: StepInfo): StepResult {
    const { student, teacher, distiller, dataset, teacherCache } = this.input;
    const teacherForward = teacherCache && teacher ? (x: tf.Tensor4D) => teacherCache.forward(teacher, x) : undefined;
    return trainingStep({ student, teacher, distiller, numClasses: dataset.info.numClasses, teacherForward }, batch, vars, optimizer, info);
  }

  /**
   * On resume, steps.jsonl keeps exactly the intervals the checkpoint covers: lines of later steps (written before a
   * kill) and a torn last line are dropped, and the open interval's sums come back from the checkpoint.
   */
  private truncateSteps(p: TrainingPosition): void {
    const index = new Map(this.stages.map((s, i) => [s.name, i]));
    StepLog.truncate(this.input.runDir.path(RUN_FILES.steps), (r) => {
      const si = index.get(r.stage) ?? Infinity;
      if (si !== p.stageIndex) return si < p.stageIndex;
      return r.epoch <= p.epochsDone || (r.epoch === p.epochsDone + 1 && r.step <= (p.stepsDone ?? 0));
    });
  }

  private async evaluate(split: DatasetSplit, epoch: number, stage: string): Promise<Metrics> {
    const { teacher, dataset, config, evaluators } = this.input;
    const student = deployedStudent(this.input.student, this.input.distiller?.studentHead?.());
    const out: Record<string, number> = {};
    for (const { evaluator } of evaluators) {
      const m = await evaluator.evaluate({
        student,
        teacher,
        split,
        splitName: dataset.split('test') ? 'test' : 'val',
        batchSize: config.training.evalBatchSize,
        numClasses: dataset.info.numClasses,
        ...(dataset.info.classNames ? { classNames: dataset.info.classNames } : {}),
        epoch,
        stage,
        runDir: this.input.runDir.dir,
      });
      Object.assign(out, m);
    }
    const own = this.input.distiller?.evaluate;
    if (own) {
      const batchSize = config.training.evalBatchSize;
      const numClasses = dataset.info.numClasses;
      Object.assign(
        out,
        await own.call(this.input.distiller, { student: this.input.student, teacher, split, batchSize, numClasses, epoch, stage }),
      );
    }
    return out;
  }
}

/** The student as deployed: with the distiller's head applied to its logits, when it has one. */
export function deployedStudent(student: Network, head: ReturnType<NonNullable<Distiller['studentHead']>>): Network {
  if (!head) return student;
  return Object.assign(Object.create(student) as Network, {
    apply(x: tf.Tensor4D, options: { training: boolean }): NetworkOutput {
      const out = student.apply(x, options);
      return { ...out, logits: head.apply(out.logits) };
    },
    countParams: () => student.countParams() + head.trainableVariables().reduce((a, v) => a + v.size, 0),
  });
}
