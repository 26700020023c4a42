import * as tf from '@tensorflow/tfjs-core';
import { initializeVariable, type NamedVariable, type Rng, type TrainableModule } from '@kd/core';

/** PyTorch BatchNorm2d defaults, which the reference code uses. */
const BN_MOMENTUM = 0.1;
const BN_EPSILON = 1e-5;

export interface ConvCoderOptions {
  readonly inChannels: number;
  readonly outChannels: number;
  /** Negative slope of the LeakyReLUs (0.1 in the IE-KD code). */
  readonly leakySlope: number;
}

interface ConvBn {
  readonly kernel: tf.Variable;
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
  readonly mean: tf.Variable;
  readonly variance: tf.Variable;
}

/**
 * The IE-KD code's `Coder` (`model/auto_encoder.py`), also its FT paraphraser/translator halves:
 * LeakyReLU → conv3×3(in→in) → BN → LeakyReLU → conv3×3(in→out) → BN → LeakyReLU → conv3×3(out→out) → BN → LeakyReLU.
 * Stride 1, 'same' padding, no conv bias, so the spatial size is kept. Convolution weights are drawn from
 * N(0, √(2/(9·out))) of the run's RNG, as the reference's `normal_(0, sqrt(2/n))` with n = k²·out_channels.
 * Built from tfjs-core ops so a plugin needs no tfjs-layers.
 */
export class ConvCoder {
  readonly inChannels: number;
  readonly outChannels: number;
  private readonly layers: ConvBn[];
  private readonly slope: number;

  constructor(options: ConvCoderOptions, rng: Rng) {
    const { inChannels, outChannels, leakySlope } = options;
    for (const [k, v] of Object.entries({ inChannels, outChannels }))
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`conv coder: ${k} must be an integer ≥ 1, got ${v}`);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.slope = leakySlope;
    const widths: [number, number][] = [
      [inChannels, inChannels],
      [inChannels, outChannels],
      [outChannels, outChannels],
    ];
    this.layers = widths.map(([i, o]) => {
      // tfjs variable names are global: tfjs picks unique ones; checkpoints use the names of stateVariables().
      const variable = (t: () => tf.Tensor, trainable: boolean) => tf.tidy(() => tf.variable(t(), trainable));
      const kernel = variable(() => tf.zeros([3, 3, i, o]), true);
      initializeVariable(kernel, { type: 'normal', std: Math.sqrt(2 / (9 * o)) }, rng);
      return {
        kernel,
        gamma: variable(() => tf.ones([o]), true),
        beta: variable(() => tf.zeros([o]), true),
        mean: variable(() => tf.zeros([o]), false),
        variance: variable(() => tf.ones([o]), false),
      };
    });
  }

  /**
   * Forward pass of an NHWC map. In training mode batch norm uses the batch statistics and updates its running
   * averages (PyTorch's unbiased running variance); otherwise the running averages.
   */
  apply(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    if (x.rank !== 4 || x.shape[3] !== this.inChannels)
      throw new Error(`conv coder: expected an NHWC map with ${this.inChannels} channels, got shape [${x.shape.join(', ')}]`);
    return tf.tidy(() => {
      let h: tf.Tensor4D = tf.leakyRelu(x, this.slope);
      for (const l of this.layers) {
        const z = tf.conv2d(h, l.kernel as tf.Tensor4D, 1, 'same');
        h = tf.leakyRelu(this.batchNorm(z, l, training), this.slope);
      }
      return h;
    });
  }

  private batchNorm(z: tf.Tensor4D, l: ConvBn, training: boolean): tf.Tensor4D {
    if (!training)
      return tf.batchNorm4d(z, l.mean as tf.Tensor1D, l.variance as tf.Tensor1D, l.beta as tf.Tensor1D, l.gamma as tf.Tensor1D, BN_EPSILON);
    const { mean, variance } = tf.moments(z, [0, 1, 2]) as { mean: tf.Tensor1D; variance: tf.Tensor1D };
    const n = z.shape[0] * z.shape[1] * z.shape[2];
    const unbiased: tf.Tensor1D = n > 1 ? tf.mul(variance, n / (n - 1)) : variance;
    l.mean.assign(tf.add(tf.mul(l.mean, 1 - BN_MOMENTUM), tf.mul(mean, BN_MOMENTUM)));
    l.variance.assign(tf.add(tf.mul(l.variance, 1 - BN_MOMENTUM), tf.mul(unbiased, BN_MOMENTUM)));
    // Written out (not tf.batchNorm) so the gradient flows through the batch statistics as in PyTorch.
    return tf.add(tf.mul(tf.mul(tf.sub(z, mean), tf.rsqrt(tf.add(variance, BN_EPSILON))), l.gamma), l.beta);
  }

  trainableVariables(): tf.Variable[] {
    return this.layers.flatMap((l) => [l.kernel, l.gamma, l.beta]);
  }

  /** Stable names, prefixed by `prefix`, for checkpoints and the factor cache. */
  stateVariables(prefix: string): NamedVariable[] {
    return this.layers.flatMap((l, i) => [
      { name: `${prefix}conv${i + 1}/kernel`, variable: l.kernel },
      { name: `${prefix}bn${i + 1}/gamma`, variable: l.gamma },
      { name: `${prefix}bn${i + 1}/beta`, variable: l.beta },
      { name: `${prefix}bn${i + 1}/mean`, variable: l.mean },
      { name: `${prefix}bn${i + 1}/variance`, variable: l.variance },
    ]);
  }

  dispose(): void {
    for (const l of this.layers) for (const v of [l.kernel, l.gamma, l.beta, l.mean, l.variance]) if (!v.isDisposed) v.dispose();
  }
}

/** One encoder as a trainable module (FT's translator, IE-KD's inheritance and exploration encoders). */
export class EncoderModule implements TrainableModule {
  readonly coder: ConvCoder;

  constructor(
    readonly name: string,
    options: ConvCoderOptions,
    rng: Rng,
  ) {
    this.coder = new ConvCoder(options, rng);
  }

  apply(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    return this.coder.apply(x, training);
  }

  trainableVariables(): tf.Variable[] {
    return this.coder.trainableVariables();
  }

  stateVariables(): readonly NamedVariable[] {
    return this.coder.stateVariables('');
  }

  dispose(): void {
    this.coder.dispose();
  }
}

/**
 * The auto-encoder on the teacher's feature (FT's paraphraser, IE-KD's teacher encoder): encoder Coder(C→k) and
 * decoder Coder(k→C). `encode` gives the compact factors; `apply` the factors and the reconstruction.
 */
export class AutoEncoderModule implements TrainableModule {
  readonly encoder: ConvCoder;
  readonly decoder: ConvCoder;

  constructor(
    readonly name: string,
    options: ConvCoderOptions,
    rng: Rng,
  ) {
    this.encoder = new ConvCoder(options, rng);
    this.decoder = new ConvCoder({ ...options, inChannels: options.outChannels, outChannels: options.inChannels }, rng);
  }

  encode(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    return this.encoder.apply(x, training);
  }

  apply(x: tf.Tensor4D, training: boolean): { factor: tf.Tensor4D; reconstruction: tf.Tensor4D } {
    const factor = this.encoder.apply(x, training);
    return { factor, reconstruction: this.decoder.apply(factor, training) };
  }

  trainableVariables(): tf.Variable[] {
    return [...this.encoder.trainableVariables(), ...this.decoder.trainableVariables()];
  }

  stateVariables(): readonly NamedVariable[] {
    return [...this.encoder.stateVariables('encoder/'), ...this.decoder.stateVariables('decoder/')];
  }

  dispose(): void {
    this.encoder.dispose();
    this.decoder.dispose();
  }
}
