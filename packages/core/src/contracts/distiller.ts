import type * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../rng/rng.js';
import type { Network, NetworkOutput, TrainableModule } from './network.js';
import type { RunEventSource } from './run-events.js';
import type { DatasetSplit } from './dataset.js';
import type { Metrics } from './evaluator.js';

/** Loss terms of one step: `total` is differentiated; the rest are logged by name. */
export interface LossTerms {
  readonly total: tf.Scalar;
  readonly terms: Readonly<Record<string, tf.Scalar>>;
  /**
   * Extra values to log with the step, never differentiated: what a method changes as it trains (a scheduled loss
   * weight, a learned temperature). They reach `stepEnd`, steps.jsonl, the trackers and the report.
   */
  readonly scalars?: Readonly<Record<string, number | tf.Scalar>>;
}

/** What a distiller that owns its update returns from a step. */
export interface OwnStepTerms extends LossTerms {
  /**
   * The student's training-mode logits of the batch, when the step computed them: the trainer counts the batch's
   * train top-1 from them, as it does for methods whose loss it differentiates. Tracked by the step's tidy scope.
   */
  readonly studentLogits?: tf.Tensor;
}

export interface StepInfo {
  /** 0-based epoch within the current stage. */
  readonly epoch: number;
  /** Total epochs of the current stage. */
  readonly epochs: number;
  /** 0-based step within the epoch, and global step within the stage. */
  readonly step: number;
  readonly globalStep: number;
  readonly stage: string;
  /** Batches in an epoch of the current stage (for schedules finer than an epoch, e.g. a per-step warm-up). */
  readonly stepsPerEpoch?: number;
}

export interface LossInputs extends StepInfo {
  readonly student: NetworkOutput;
  /** Present when the distiller `usesTeacher`; computed in inference mode, outside the gradient tape. */
  readonly teacher?: NetworkOutput;
  readonly labels: tf.Tensor1D;
  readonly numClasses: number;
  /** The samples' positions in the training split, when the dataset gives them (see `Batch.index`). */
  readonly sampleIndex?: Int32Array;
}

/** Context for distillers that own their update (local learning, mutual learning, auto-encoder stages). */
/** A parameter the optimiser updates, with a stable id for checkpoints. */
export interface ParamRef {
  /** Stable id (`<module>/<index>`) used to checkpoint slots across processes. */
  readonly id: string;
  readonly variable: tf.Variable;
  /** Weight decay applies to this parameter (false for BN/bias when configured so). */
  readonly decay: boolean;
}

/** The run's optimiser as a distiller that owns its update sees it: its parameters, and one update at a time. */
export interface StepOptimizer {
  readonly params: readonly ParamRef[];
  /** Applies gradients with the run's optimiser, learning-rate schedule and weight decay. */
  applyGradients(grads: Readonly<Record<string, tf.Tensor>> | ReadonlyMap<tf.Variable, tf.Tensor>): void;
}

export interface StepContext extends StepInfo {
  readonly x: tf.Tensor4D;
  readonly labels: tf.Tensor1D;
  readonly student: Network;
  readonly teacher?: Network;
  readonly numClasses: number;
  /** Applies gradients with the run's optimiser, learning-rate schedule and weight decay. */
  readonly optimizer: StepOptimizer;
}

/**
 * A module appended to the student's logits that stays in the deployed model (AEKT's task-serialisation layer in
 * the `kd->cls` order): evaluation and the saved network go through it. It is also trained and checkpointed, so
 * list it in `extraModules` too.
 */
export interface StudentHead extends TrainableModule {
  apply(logits: tf.Tensor2D): tf.Tensor2D;
}

/** One training stage. Multi-stage methods (IE-KD) list several; each has its own epochs and optimiser. */
export interface StagePlan {
  readonly name: string;
  /** Overrides `training.epochs` for this stage. */
  readonly epochs?: number;
  /** Which modules this stage trains (names of `student` and extra modules); default: student + all extra modules. */
  readonly trains?: readonly string[];
  /** Overrides of `training.optimizer` for this stage. */
  readonly optimizer?: Readonly<Record<string, unknown>>;
}

export interface DistillerSetup {
  readonly student: Network;
  readonly teacher?: Network;
  readonly numClasses: number;
  /** Samples in the training split: the size of a per-sample memory (CRD's bank) indexed by `sampleIndex`. */
  readonly trainSize?: number;
  /** The class of each training sample by its position (`sampleIndex`), when the dataset gives it. */
  readonly trainLabels?: Int32Array;
  readonly rng: Rng;
  /** Builds another network from a backbone spec (extra students for mutual learning). */
  createNetwork(spec: { name: string } & Record<string, unknown>, scope: string): Promise<Network>;
  /** The run's events: subscribe to write artefacts (heat maps, learned matrices) at epoch or run end. */
  readonly events: RunEventSource;
  /**
   * The run directory. It is prepared after `setup`, so write into it only from event handlers
   * (`epochEnd`, `runEnd`), and atomically.
   */
  readonly runDir: string;
}

/** What a distiller's own evaluation sees at an epoch end (the test split, in inference mode). */
export interface DistillerEvaluation {
  readonly student: Network;
  readonly teacher?: Network;
  readonly split: DatasetSplit;
  readonly batchSize: number;
  readonly numClasses: number;
  /** Epoch just finished (0-based) within `stage`. */
  readonly epoch: number;
  readonly stage: string;
}

/**
 * A distillation method. Exactly one of `computeLoss` (the engine differentiates `total` with respect to the
 * trained modules and applies one update) or `trainStep` (the method updates its modules itself) is used.
 */
export interface Distiller {
  /** Whether the teacher's forward pass is needed; the engine skips it otherwise. */
  readonly usesTeacher: boolean;
  /** Async preparation once models exist: build connectors, encoders, extra networks. */
  setup?(setup: DistillerSetup): Promise<void> | void;
  /** Trainable modules beside the student (connectors, encoders, extra FC): checkpointed, never exported. */
  extraModules?(): readonly TrainableModule[];
  stages?(): readonly StagePlan[];
  /** A head kept on the deployed student (evaluated and saved with it); undefined for most methods. */
  studentHead?(): StudentHead | undefined;
  computeLoss?(inputs: LossInputs): LossTerms;
  /** Own the update. Called inside `tf.tidy`; returns the terms to log. */
  trainStep?(context: StepContext): OwnStepTerms;
  /**
   * Metrics of the distiller's own networks and modules (DML's peer accuracy, IE-KD's factor CKA), merged into the
   * epoch's metrics after the evaluators'.
   */
  evaluate?(context: DistillerEvaluation): Promise<Metrics> | Metrics;
  dispose?(): void;
}
