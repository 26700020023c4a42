import * as tf from '@tensorflow/tfjs-core';
import type { NamedVariable, Rng, TrainableModule } from '@kd/core';
import type { ChannelSplit, OddChannel } from './ie-kd.options.js';

export const IE_KD_SPLIT_MODULE = 'ie-kd.split';

/**
 * The division of the student's channels into an inheritance and an exploration part. The channel order is a
 * non-trainable variable, so a checkpoint keeps the random permutation and a resumed run splits the same way.
 */
export class ChannelSplitter implements TrainableModule {
  readonly order: tf.Variable;
  readonly inheritanceChannels: number;
  readonly explorationChannels: number;

  constructor(
    readonly mode: ChannelSplit,
    readonly channels: number,
    rng: Rng,
    readonly oddChannel: OddChannel,
    readonly name: string = IE_KD_SPLIT_MODULE,
  ) {
    if (mode !== 'none' && channels < 2)
      throw new RangeError(`ie-kd: splitting needs a student feature with at least 2 channels, got ${channels}`);
    // Drawn even for other modes so that later draws from the same stream do not depend on the split mode.
    const perm = Array.from(rng.permutation(channels));
    const order = mode === 'random' ? perm : Array.from({ length: channels }, (_, i) => i);
    this.order = tf.tidy(() => tf.variable(tf.tensor1d(order, 'float32'), false));
    // The official divide_features gives int(C/2) channels to inheritance, so an odd C's extra one explores.
    const half = oddChannel === 'exploration' ? Math.floor(channels / 2) : Math.ceil(channels / 2);
    this.inheritanceChannels = mode === 'none' ? channels : half;
    this.explorationChannels = channels - this.inheritanceChannels;
  }

  /** The inheritance part (half the channels, or all for "none") and the exploration part (null for "none"). */
  apply(feature: tf.Tensor4D): { inheritance: tf.Tensor4D; exploration: tf.Tensor4D | null } {
    if (this.mode === 'none') return { inheritance: feature, exploration: null };
    return tf.tidy(() => {
      const k = this.inheritanceChannels;
      if (this.mode === 'natural') {
        const [inheritance, exploration] = tf.split(feature, [k, this.explorationChannels], 3) as [tf.Tensor4D, tf.Tensor4D];
        return { inheritance, exploration };
      }
      // A selection-matrix product rather than tf.gather: its gradient needs UnsortedSegmentSum, which wasm lacks.
      const [b, h, w, c] = feature.shape;
      const flat = tf.reshape(feature, [b * h * w, c]) as tf.Tensor2D;
      const order = this.channelOrder();
      const matrix = new Float32Array(c * c);
      order.forEach((channel, position) => (matrix[channel * c + position] = 1));
      const select = tf.tensor2d(matrix, [c, c]);
      const part = (begin: number, size: number) =>
        tf.reshape(tf.matMul(flat, tf.slice(select, [0, begin], [c, size])), [b, h, w, size]) as tf.Tensor4D;
      return { inheritance: part(0, k), exploration: part(k, this.explorationChannels) };
    });
  }

  /** The channel order as integers (inheritance first). */
  channelOrder(): number[] {
    return Array.from(this.order.dataSync(), (v) => Math.round(v));
  }

  trainableVariables(): tf.Variable[] {
    return [];
  }

  stateVariables(): readonly NamedVariable[] {
    return [{ name: 'order', variable: this.order }];
  }

  dispose(): void {
    if (!this.order.isDisposed) this.order.dispose();
  }
}
