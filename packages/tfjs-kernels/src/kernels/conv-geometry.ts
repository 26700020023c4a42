import * as tf from '@tensorflow/tfjs-core';

/** Every padding form tfjs convolutions accept: `'same'`, `'valid'`, a number, or explicit pairs. */
export type ConvPad = Parameters<typeof tf.backend_util.computeConv2DInfo>[4];
export type RoundingMode = 'floor' | 'round' | 'ceil' | undefined;
export type Pair = [number, number];

/**
 * The attributes tfjs passes its convolution backprop kernels; `S` names the shape of the gradient they return
 * (`inputShape` or `filterShape`). The depthwise kernels get no `dataFormat`, the plain ones no `dilations`.
 */
export type ConvBackpropAttrs<S extends 'inputShape' | 'filterShape'> = {
  readonly strides: number | [number, number];
  readonly dilations?: number | [number, number];
  readonly pad: ConvPad;
  readonly dataFormat?: 'NHWC' | 'NCHW';
  readonly dimRoundingMode?: RoundingMode;
} & { readonly [K in S]: [number, number, number, number] };

/** The geometry of a forward 2-D convolution, channels-last, as the backprop kernels need it. */
export interface ConvGeometry {
  readonly batch: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly inChannels: number;
  readonly outHeight: number;
  readonly outWidth: number;
  readonly outChannels: number;
  readonly filterHeight: number;
  readonly filterWidth: number;
  readonly strides: Pair;
  readonly dilations: Pair;
  /** Zero rows added above the input (left of it) by the forward convolution. */
  readonly top: number;
  readonly left: number;
  readonly channelsLast: boolean;
}

export function pair(v: number | number[] | null | undefined, fallback = 1): Pair {
  if (v == null) return [fallback, fallback];
  if (typeof v === 'number') return [v, v];
  return [v[0] ?? fallback, v[1] ?? v[0] ?? fallback];
}

/**
 * Resolves padding, strides and dilations exactly as the forward kernel does (through
 * `backend_util.computeConv2DInfo`), so `'same'`, `'valid'`, numeric and explicit padding and every
 * `dimRoundingMode` are all handled by one code path.
 */
export function convGeometry(
  inShape: readonly number[],
  filterShape: readonly number[],
  strides: number | number[],
  dilations: number | number[] | null | undefined,
  pad: ConvPad,
  dimRoundingMode: RoundingMode,
  depthwise: boolean,
  dataFormat: 'NHWC' | 'NCHW' = 'NHWC',
): ConvGeometry {
  const info = tf.backend_util.computeConv2DInfo(
    inShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    pair(strides),
    pair(dilations),
    pad,
    dimRoundingMode,
    depthwise,
    dataFormat === 'NCHW' ? 'channelsFirst' : 'channelsLast',
  );
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strides: [info.strideHeight, info.strideWidth],
    dilations: [info.dilationHeight, info.dilationWidth],
    top: info.padInfo.top,
    left: info.padInfo.left,
    channelsLast: info.dataFormat === 'channelsLast',
  };
}

/**
 * Padding of the input for the filter-gradient convolution (input correlated with `dy`, which acts as a
 * filter dilated by the forward stride): enough rows below for every filter tap to see a full window of
 * `dy`. Rows the forward pass never read are zero either way.
 */
export function filterGradPadding(g: ConvGeometry, outHeight: number, outWidth: number): [Pair, Pair] {
  const need = (out: number, s: number, k: number, d: number) => (out - 1) * s + (k - 1) * d + 1;
  const bottom = Math.max(0, need(outHeight, g.strides[0], g.filterHeight, g.dilations[0]) - g.inHeight - g.top);
  const right = Math.max(0, need(outWidth, g.strides[1], g.filterWidth, g.dilations[1]) - g.inWidth - g.left);
  return [
    [g.top, bottom],
    [g.left, right],
  ];
}

/**
 * How to turn the zero-upsampled `dy` (`upHeight` × `upWidth`, data at multiples of the stride) into the
 * input of a stride-1 "full" correlation with the flipped filter whose output is exactly the input
 * gradient: pad where the window overhangs, crop where the forward padding exceeded the filter reach.
 * Returns `undefined` when no element of `dy` reaches the input at all (the gradient is zero).
 */
export function inputGradPlan(
  g: ConvGeometry,
  upHeight: number,
  upWidth: number,
): { crop: { begin: Pair; size: Pair }; pad: [Pair, Pair] } | undefined {
  const side = (up: number, inSize: number, k: number, d: number, before: number) => {
    const padBefore = (k - 1) * d - before;
    const padAfter = inSize + before - up;
    const cropBefore = Math.max(0, -padBefore);
    const size = up - cropBefore - Math.max(0, -padAfter);
    return { cropBefore, size, pad: [Math.max(0, padBefore), Math.max(0, padAfter)] as Pair };
  };
  const h = side(upHeight, g.inHeight, g.filterHeight, g.dilations[0], g.top);
  const w = side(upWidth, g.inWidth, g.filterWidth, g.dilations[1], g.left);
  if (h.size <= 0 || w.size <= 0) return undefined;
  return { crop: { begin: [h.cropBefore, w.cropBefore], size: [h.size, w.size] }, pad: [h.pad, w.pad] };
}
