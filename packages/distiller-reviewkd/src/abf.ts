import * as tf from '@tensorflow/tfjs-core';
import { createVariable, KdInputError, trainModeBatchNorm, VariableModule, type NamedVariable, type Rng } from '@kd/core';
import { attentionFuse } from './attention-fuse.js';
import { nearestResize } from './nearest-resize.js';

/** Module name: the engine checkpoints it as `reviewkd::abf0.conv1`, … */
export const REVIEWKD_MODULE_NAME = 'reviewkd';

/** One level of the review: a student map (or the pooled embedding as 1×1) and the teacher map it must reproduce. */
export interface ReviewLevel {
  /** Student channels and (square) size. */
  readonly studentChannels: number;
  readonly studentSize: number;
  readonly teacherChannels: number;
  readonly teacherSize: number;
}

/** What one ABF holds: conv1 (1×1) + BN to mid channels, the attention conv of a fusing level, conv2 (3×3) + BN out. */
interface AbfParams {
  readonly conv1: tf.Variable;
  readonly gamma1: tf.Variable;
  readonly beta1: tf.Variable;
  readonly conv2: tf.Variable;
  readonly gamma2: tf.Variable;
  readonly beta2: tf.Variable;
  readonly attention?: tf.Variable;
  readonly attentionBias?: tf.Variable;
}

/** NHWC square [h, w, c] shapes only: the reference resizes every map to (size, size). */
export function squareSize(shape: readonly number[], pointer: string, what: string): number {
  if (shape.length !== 3 || shape[0] !== shape[1])
    throw new KdInputError(`${pointer}: ${what} has shape ${JSON.stringify(shape)}; ReviewKD fuses square [H, H, C] maps only`);
  return shape[0]!;
}

/**
 * ReviewKD's attention-based fusion modules (mdistiller's `ABF`), one per level, as one trainable module beside the
 * student. Levels are listed shallow to deep; the deepest (the pooled embedding) has no residual to fuse.
 *
 * They only ever run inside training steps, so BatchNorm always normalises with the batch's statistics; running
 * averages would never be read and are not kept (the module is dropped after training).
 */
export class ReviewFusion extends VariableModule {
  readonly name = REVIEWKD_MODULE_NAME;
  readonly params: readonly AbfParams[];

  /**
   * conv1 and conv2 as the reference's kaiming_uniform_(a=1) (U(±√(3/fan_in))), the attention conv as torch's default
   * (U(±1/√fan_in) weight and bias), γ = 1, β = 0; all drawn from `rng`.
   */
  constructor(
    readonly levels: readonly ReviewLevel[],
    readonly midChannels: number,
    rng: Rng,
  ) {
    super();
    const uniform = (shape: readonly number[], bound: number) => {
      const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
      for (let i = 0; i < values.length; i++) values[i] = (rng.next() * 2 - 1) * bound;
      return tf.tidy(() => tf.variable(tf.tensor(values, [...shape], 'float32'), true));
    };
    const constant = (n: number, type: 'ones' | 'zeros') => createVariable([n], { type }, rng);
    const mid = midChannels;
    this.params = levels.map((l, i) => {
      const fuse = i < levels.length - 1;
      return {
        conv1: uniform([1, 1, l.studentChannels, mid], Math.sqrt(3 / l.studentChannels)),
        gamma1: constant(mid, 'ones'),
        beta1: constant(mid, 'zeros'),
        conv2: uniform([3, 3, mid, l.teacherChannels], Math.sqrt(3 / (9 * mid))),
        gamma2: constant(l.teacherChannels, 'ones'),
        beta2: constant(l.teacherChannels, 'zeros'),
        ...(fuse
          ? { attention: uniform([1, 1, 2 * mid, 2], 1 / Math.sqrt(2 * mid)), attentionBias: uniform([2], 1 / Math.sqrt(2 * mid)) }
          : {}),
      };
    });
  }

  /**
   * The fused maps, one per level (shallow to deep), each shaped like its teacher map. `students` are the student's
   * maps of the levels, NHWC (the pooled embedding as [B, 1, 1, D]).
   */
  apply(students: readonly tf.Tensor4D[]): tf.Tensor4D[] {
    if (students.length !== this.levels.length)
      throw new Error(`reviewkd: ${students.length} student maps for ${this.levels.length} levels`);
    return tf.tidy(() => {
      const outputs: tf.Tensor4D[] = new Array(this.levels.length);
      let residual: tf.Tensor4D | undefined;
      for (let i = this.levels.length - 1; i >= 0; i--) {
        const p = this.params[i]!;
        const level = this.levels[i]!;
        let a = trainModeBatchNorm(
          tf.conv2d(students[i]!, p.conv1 as tf.Tensor4D, 1, 'valid'),
          p.gamma1 as tf.Tensor1D,
          p.beta1 as tf.Tensor1D,
        );
        if (residual && p.attention && p.attentionBias)
          a = attentionFuse(a, nearestResize(residual, level.studentSize), p.attention as tf.Tensor4D, p.attentionBias as tf.Tensor1D);
        a = nearestResize(a, level.teacherSize);
        const conv = tf.conv2d(a, p.conv2 as tf.Tensor4D, 1, [
          [0, 0],
          [1, 1],
          [1, 1],
          [0, 0],
        ]);
        outputs[i] = trainModeBatchNorm(conv, p.gamma2 as tf.Tensor1D, p.beta2 as tf.Tensor1D);
        residual = a;
      }
      return outputs;
    });
  }

  trainableVariables(): tf.Variable[] {
    return this.stateVariables().map((v) => v.variable);
  }

  stateVariables(): readonly NamedVariable[] {
    return this.params.flatMap((p, i) =>
      Object.entries(p).map(([k, variable]) => ({ name: `abf${i}.${k}`, variable: variable as tf.Variable })),
    );
  }
}
