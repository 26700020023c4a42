import type * as tf from '@tensorflow/tfjs-core';
import type { PipelineConfig } from '../config/pipeline-config.js';
import type { Batch, SplitName } from '../contracts/dataset.js';
import type { StagePlan } from '../contracts/distiller.js';
import type { TrainableModule } from '../contracts/network.js';
import { KdInputError } from '../errors/errors.js';
import type { AssembledPipeline } from './assemble.js';
import { Rng } from '../rng/rng.js';
import { Optimizer } from '../engine/optimizer.js';
import { stageOptimizer, stagesOf, stepPlan } from '../engine/stage-modules.js';
import { trainingStep, type StepResult } from '../engine/training-step.js';
import { stepsPerEpoch } from '../engine/trainer.js';

export interface SessionStepOptions {
  /** 0-based epoch and step within it: they set the learning rate (the run's schedule) and what the loss sees. */
  readonly epoch?: number;
  readonly step?: number;
  /** Overrides the schedule's learning rate for this step. */
  readonly lr?: number;
  /** Return the gradients the update used (by variable name; the caller disposes them). */
  readonly keepGradients?: boolean;
}

/**
 * A run's pipeline driven one step at a time, for research: replay a run's steps, probe them, or compare them with
 * another framework's. It is the trainer's own step (`trainingStep`), on the same assembled parts, optimiser and
 * schedule; `batches` yields the very stream the trainer draws for a stage and epoch. Nothing is written to disk.
 */
export class Session {
  private current: { stage: StagePlan; optimizer: Optimizer; vars: tf.Variable[] } | undefined;
  readonly stages: readonly StagePlan[];

  constructor(
    readonly config: PipelineConfig,
    readonly parts: AssembledPipeline,
  ) {
    this.stages = stagesOf(parts.distiller);
    this.useStage(this.stages[0]!.name);
  }

  /** The student and the distiller's extra modules: everything a run trains and checkpoints. */
  get modules(): TrainableModule[] {
    return [this.parts.student, ...(this.parts.distiller?.extraModules?.() ?? [])];
  }

  get stage(): StagePlan {
    return this.current!.stage;
  }

  /** The optimiser of the current stage: its state (`getState`/`setState`), learning rate and step count. */
  get optimizer(): Optimizer {
    return this.current!.optimizer;
  }

  /** Switches to a stage (multi-stage distillers), with a fresh optimiser over the modules it trains. */
  useStage(name: string): void {
    const stage = this.stages.find((s) => s.name === name);
    if (!stage) throw new KdInputError(`no stage "${name}"; the stages are ${this.stages.map((s) => `"${s.name}"`).join(', ')}`);
    this.current?.optimizer.dispose();
    const optimizer = stageOptimizer(this.config, stage, this.modules);
    this.current = { stage, optimizer, vars: optimizer.params.map((p) => p.variable) };
  }

  /** Epochs of the current stage and whole batches per epoch of the train split. */
  get shape(): { epochs: number; stepsPerEpoch: number } {
    const train = this.parts.dataset.split('train');
    return {
      epochs: this.stage.epochs ?? this.config.training.epochs,
      stepsPerEpoch: stepsPerEpoch(train?.size ?? 0, this.config.training.batchSize),
    };
  }

  /** The batches the trainer draws in `epoch` of the current stage (the consumer disposes each). */
  batches(epoch = 0, split: SplitName = 'train'): AsyncIterable<Batch> {
    const s = this.parts.dataset.split(split);
    if (!s) throw new KdInputError(`/dataset: the dataset has no ${split} split`);
    const rng = Rng.derive(this.config.training.seed, 'data', this.stage.name, epoch);
    return s.batches({ batchSize: this.config.training.batchSize, rng, dropLast: true });
  }

  /** One optimisation step on `batch`, exactly as the trainer takes it. */
  step(
    batch: { readonly x: tf.Tensor4D; readonly y: tf.Tensor1D; readonly index?: Int32Array },
    options: SessionStepOptions = {},
  ): StepResult {
    const { epoch = 0, step = 0 } = options;
    const { epochs, stepsPerEpoch: steps } = this.shape;
    const cur = this.current!;
    const { lr, info } = stepPlan(this.config, cur.optimizer, cur.stage.name, { epoch, epochs, step, steps });
    cur.optimizer.lr = options.lr ?? lr;
    return trainingStep(
      {
        student: this.parts.student,
        teacher: this.parts.teacher,
        distiller: this.parts.distiller,
        numClasses: this.parts.dataset.info.numClasses,
      },
      batch,
      cur.vars,
      cur.optimizer,
      info,
      options.keepGradients,
    );
  }

  dispose(): void {
    this.current?.optimizer.dispose();
    this.current = undefined;
    this.parts.dispose();
  }
}
