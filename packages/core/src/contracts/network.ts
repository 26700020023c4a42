import type * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../rng/rng.js';
import type { RunningVariance } from '../network/batch-normalization.js';

/** What a forward pass gives a distiller. Tensors live in the caller's tidy scope. */
export interface NetworkOutput {
  readonly logits: tf.Tensor2D;
  /** Named stage features (NHWC), e.g. `stage1`, `stage1_preact`, in stage order. */
  readonly features: Readonly<Record<string, tf.Tensor>>;
  /** Pooled embedding before the classifier. */
  readonly embedding: tf.Tensor2D;
}

export interface ForwardOptions {
  /** Training mode: batch norm uses batch statistics and updates its running averages. */
  readonly training: boolean;
}

/** Anything with trainable state that a run optimises and checkpoints. */
export interface TrainableModule {
  readonly name: string;
  /** Variables the optimiser updates. */
  trainableVariables(): tf.Variable[];
  /** Every variable that must survive a checkpoint (trainable + running statistics), in a stable order. */
  stateVariables(): readonly NamedVariable[];
  dispose(): void;
}

export interface NamedVariable {
  readonly name: string;
  readonly variable: tf.Variable;
}

export interface StageInfo {
  readonly name: string;
  /** Output shape of the stage for one input, without the batch dimension. */
  readonly outputShape: readonly number[];
}

/** A backbone instance: a classifier that exposes its stages. */
export interface Network extends TrainableModule {
  /** Stage boundaries in order; each has a feature of the same name. */
  readonly stages: readonly StageInfo[];
  readonly numClasses: number;
  readonly inputShape: readonly [number, number, number];
  apply(x: tf.Tensor4D, options: ForwardOptions): NetworkOutput;
  /** Trainable parameter count. */
  countParams(): number;
  /** Floating-point operations of one inference forward pass for one image (a multiply-add counts 2). */
  countFlops?(): number;
  /** Serialisable description for provenance and export (backbone name + options). */
  readonly spec: { readonly name: string; readonly options: Readonly<Record<string, unknown>> };
  /**
   * Stage-by-stage execution for local learning (LAKD). `applyStage(i, input)` computes stage i from the output of
   * stage i − 1 (the image for i = 0) and returns the features that stage produces, with its output under the stage's
   * own name. Feeding a tensor that is not on stage i − 1's gradient tape is what truncates gradients between stages.
   */
  applyStage?(index: number, input: tf.Tensor, options: ForwardOptions): Readonly<Record<string, tf.Tensor>>;
  /**
   * The classifier tail of stage-by-stage execution: the last stage's output to embedding and logits, plus the
   * features computed on the way (e.g. a pre-activation network's final `stage3_preact`).
   */
  applyHead?(
    input: tf.Tensor,
    options: ForwardOptions,
  ): Omit<NetworkOutput, 'features'> & { readonly features: Readonly<Record<string, tf.Tensor>> };
  /** Trainable variables of stage i, or of the head for i = stages.length; each trainable variable is in exactly one. */
  stageVariables?(index: number): tf.Variable[];
  /** Optional: a tfjs-layers model of the classifier alone, for export. */
  toLayersModel?(): unknown;
  /**
   * Reads this network's weights from `location` itself, for a network whose weights are not kd's (an ONNX model a
   * teacher runs in another runtime, a foreign layers model). Without it, core loads kd's own format
   * (`final/network.json` + `network.bin`). `pointer` names the config value for messages. It may be asynchronous
   * (tfjs-layers builds a model from its JSON topology only through a promise); core awaits it.
   */
  loadWeights?(location: string, pointer: string): void | Promise<void>;
  /**
   * The affine parameters (γ, β, one per channel) of the batch norm whose output is the pre-activation feature
   * `feature` (e.g. `stage2_preact`), read from the current weights; `undefined` where the backbone has no batch norm
   * right before that ReLU. In a residual block the pre-activation is the branch's last batch norm plus the shortcut;
   * then this is that branch's batch norm, as Heo et al.'s `get_bn_before_relu` (the margin of OFD assumes the
   * pre-activation is distributed as that batch norm's output, N(β, γ²)).
   */
  preactNorm?(feature: string): PreactNorm | undefined;
}

/** γ and β of a batch norm, per channel (see {@link Network.preactNorm}). */
export interface PreactNorm {
  readonly gamma: Float32Array;
  readonly beta: Float32Array;
}

export interface BackboneContext {
  readonly numClasses: number;
  readonly inputShape: readonly [number, number, number];
  /** Seeded initialisation stream owned by the run: tfjs initialiser seeds are not reliable. */
  readonly rng: Rng;
  /** Prefix that keeps variable names unique when teacher and student share an architecture. */
  readonly scope: string;
  /**
   * The run's `training.batchNorm`: how the network's batch-norm layers update their running variance. Absent
   * (a network built outside a run), kd's layers keep their own default, PyTorch's unbiased rule.
   */
  readonly batchNorm?: { readonly runningVariance: RunningVariance };
}
