import type * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../rng/rng.js';

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
  /** Optional: a tfjs-layers model of the classifier alone, for export. */
  toLayersModel?(): unknown;
}

export interface BackboneContext {
  readonly numClasses: number;
  readonly inputShape: readonly [number, number, number];
  /** Seeded initialisation stream owned by the run: tfjs initialiser seeds are not reliable. */
  readonly rng: Rng;
  /** Prefix that keeps variable names unique when teacher and student share an architecture. */
  readonly scope: string;
}
