import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

export interface ChannelSliceArgs extends LayerArgs {
  /** First channel (last axis) kept. */
  readonly start: number;
  /** Number of channels kept. */
  readonly size: number;
}

/**
 * `x[..., start : start + size]` along the channel (last) axis: the channel split of the ShuffleNetV2 basic unit
 * and the per-group inputs of the ShuffleNetV1 grouped 1×1 convolutions (tfjs `conv2d` has no `groups`).
 *
 * tfjs-layers has no slicing layer, hence this one. {@link registerChannelSlice} registers its class with
 * `tf.serialization.registerClass` (className `KdChannelSlice`) — by an explicit call, not as an import side
 * effect: the network calls it when it is built, and a program that loads an exported ShuffleNet calls it first.
 */
export class ChannelSlice extends tfl.layers.Layer {
  static readonly className = 'KdChannelSlice';
  readonly start: number;
  readonly size: number;

  constructor(args: ChannelSliceArgs) {
    super(args);
    if (!Number.isInteger(args.start) || args.start < 0 || !Number.isInteger(args.size) || args.size < 1)
      throw new Error(`ChannelSlice: invalid start ${args.start} / size ${args.size}`);
    this.start = args.start;
    this.size = args.size;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const channels = shape[shape.length - 1];
    if (channels != null && this.start + this.size > channels)
      throw new Error(`ChannelSlice: channels ${this.start}…${this.start + this.size - 1} out of ${channels}`);
    return [...shape.slice(0, -1), this.size];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const begin = x.shape.map((_, i) => (i === x.rank - 1 ? this.start : 0));
      const size = x.shape.map((_, i) => (i === x.rank - 1 ? this.size : -1));
      return tf.slice(x, begin, size);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), start: this.start, size: this.size };
  }
}

let registered = false;

/** Makes `KdChannelSlice` known to tfjs (de)serialisation; idempotent. Call before `tf.loadLayersModel` of a ShuffleNet. */
export function registerChannelSlice(): void {
  if (registered) return;
  tf.serialization.registerClass(ChannelSlice);
  registered = true;
}
