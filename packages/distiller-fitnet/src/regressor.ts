import * as tf from '@tensorflow/tfjs-core';
import { createVariable, KdInputError, trainModeBatchNorm, VariableModule, type NamedVariable, type Rng } from '@kd/core';
import { fitnetOptionsSchema } from './fitnet.options.js';

/** Module name of the regressor: the engine checkpoints it as `regressor::kernel`, `regressor::bias`, … */
export const REGRESSOR_MODULE_NAME = 'regressor';

/**
 * How mdistiller's `ConvReg` maps the student's hint [Hs, Ws, Cs] onto the teacher's [Ht, Wt, Ct]:
 * - `same` (Hs = Ht, Ws = Wt): k×k convolution, stride 1, padding ⌊k/2⌋ (mdistiller: k = 1);
 * - `down2` (Hs = 2·Ht): 3×3 convolution, stride 2, padding 1;
 * - `up2` (2·Hs = Ht): 4×4 transposed convolution, stride 2, padding 1;
 * - `valid` (Hs > Ht otherwise): a (1 + Hs − Ht) × (1 + Ws − Wt) convolution without padding.
 */
export type RegressorMode = 'same' | 'down2' | 'up2' | 'valid';

export interface RegressorGeometry {
  readonly mode: RegressorMode;
  /** Kernel shape in tfjs layout: [kh, kw, Cs, Ct] for convolutions, [kh, kw, Ct, Cs] for the transposed one. */
  readonly kernelShape: readonly [number, number, number, number];
  readonly outputShape: readonly [number, number, number];
}

/** The regressor's geometry for feature shapes [H, W, C] (no batch); `kernelSize` applies to the `same` case. */
export function regressorGeometry(
  student: readonly number[],
  teacher: readonly number[],
  kernelSize = 1,
  pointer = '/distiller',
): RegressorGeometry {
  const [hs, ws, cs] = student as [number, number, number];
  const [ht, wt, ct] = teacher as [number, number, number];
  const out = [ht, wt, ct] as const;
  if (hs === ht && ws === wt) return { mode: 'same', kernelShape: [kernelSize, kernelSize, cs, ct], outputShape: out };
  if (hs === 2 * ht && ws === 2 * wt) return { mode: 'down2', kernelShape: [3, 3, cs, ct], outputShape: out };
  if (2 * hs === ht && 2 * ws === wt) return { mode: 'up2', kernelShape: [4, 4, ct, cs], outputShape: out };
  if (hs >= ht && ws >= wt) return { mode: 'valid', kernelShape: [1 + hs - ht, 1 + ws - wt, cs, ct], outputShape: out };
  throw new KdInputError(
    `${pointer}: the student hint feature is ${JSON.stringify(student)} and the teacher's ${JSON.stringify(teacher)} (H, W, C); ` +
      'the regressor maps a student map onto one of the same size, half its size, twice its size, or any smaller size — choose other stages (hintStage, teacherStage)',
  );
}

/**
 * FitNets' regressor as mdistiller's `ConvReg`: convolution (with bias) → BatchNorm → optional ReLU, from the student's
 * hint feature to the teacher's shape. It is trained beside the student and checkpointed, never exported.
 *
 * It only ever runs inside training steps, so BatchNorm always normalises with the batch's statistics (biased
 * variance, as PyTorch's BatchNorm2d in train mode); running averages would never be read and are not kept.
 */
export class HintRegressor extends VariableModule {
  readonly name = REGRESSOR_MODULE_NAME;
  readonly geometry: RegressorGeometry;
  readonly relu: boolean;
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable;
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;

  /** Weights drawn from `rng` with PyTorch's defaults (kaiming_uniform(a=√5) and U(±1/√fan_in) bias; γ = 1, β = 0). */
  constructor(geometry: RegressorGeometry, rng: Rng, options: { relu?: boolean } = {}) {
    super();
    this.geometry = geometry;
    this.relu = options.relu ?? fitnetOptionsSchema.properties.relu.default;
    const ks = geometry.kernelShape;
    const ct = geometry.outputShape[2];
    // PyTorch's fan_in is weight.size(1)·kh·kw: Cs for Conv2d, Ct for ConvTranspose2d — the third tfjs axis either way
    const fanIn = ks[0] * ks[1] * ks[2];
    this.kernel = createVariable(ks, { type: 'torchDefault' }, rng);
    this.bias = createVariable([ct], { type: 'torchDefaultBias', fanIn }, rng);
    this.gamma = createVariable([ct], { type: 'ones' }, rng);
    this.beta = createVariable([ct], { type: 'zeros' }, rng);
  }

  /** conv → BN (batch statistics) → ReLU: `[N, Hs, Ws, Cs]` → `[N, Ht, Wt, Ct]`. */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    const { mode, kernelShape, outputShape } = this.geometry;
    const expectedC = mode === 'up2' ? kernelShape[3] : kernelShape[2];
    if (x.rank !== 4 || x.shape[3] !== expectedC)
      throw new Error(`fitnet regressor: expected an NHWC hint with ${expectedC} channels, got ${JSON.stringify(x.shape)}`);
    return tf.tidy(() => {
      const k = this.kernel as unknown as tf.Tensor4D;
      let y: tf.Tensor4D;
      if (mode === 'up2') {
        // PyTorch ConvTranspose2d(k 4, stride 2, padding 1) = tfjs 'same' at stride 2 (one cell of padding each side)
        y = tf.conv2dTranspose(x, k, [x.shape[0], outputShape[0], outputShape[1], outputShape[2]], 2, 'same');
      } else if (mode === 'valid') {
        y = tf.conv2d(x, k, 1, 'valid');
      } else {
        // explicit symmetric padding as PyTorch's; tfjs 'same' at stride 2 would pad the bottom/right only
        const p = mode === 'down2' ? 1 : Math.floor(kernelShape[0] / 2);
        y = tf.conv2d(x, k, mode === 'down2' ? 2 : 1, [
          [0, 0],
          [p, p],
          [p, p],
          [0, 0],
        ]);
      }
      const normalized = trainModeBatchNorm(tf.add(y, this.bias) as tf.Tensor4D, this.gamma, this.beta);
      return this.relu ? tf.relu(normalized) : normalized;
    });
  }

  trainableVariables(): tf.Variable[] {
    return [this.kernel, this.bias, this.gamma, this.beta];
  }

  stateVariables(): readonly NamedVariable[] {
    return [
      { name: 'kernel', variable: this.kernel },
      { name: 'bias', variable: this.bias },
      { name: 'gamma', variable: this.gamma },
      { name: 'beta', variable: this.beta },
    ];
  }
}
