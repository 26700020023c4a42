import * as tf from '@tensorflow/tfjs-core';

/** One convolution to check: shapes, attributes as tfjs takes them, random data, and tfjs's padding for it. */
export interface ConvCase {
  readonly label: string;
  /** Depthwise: filter [kh, kw, C, M], output channel c·M + m reads input channel c only. */
  readonly depthwise: boolean;
  readonly xShape: [number, number, number, number];
  readonly filterShape: [number, number, number, number];
  readonly dyShape: [number, number, number, number];
  readonly strides: [number, number];
  readonly dilations: [number, number];
  readonly pad: 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
  readonly top: number;
  readonly left: number;
  readonly x: Float32Array;
  readonly filter: Float32Array;
  readonly dy: Float32Array;
}

/** mulberry32: the tests own their random numbers. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` random small convolutions (sizes 3–10, odd and even; 1–3 taps; strides 1 and 2 per axis; dilation up to 2
 * at stride 1 when `dilation`; same, valid and explicit padding) plus the shapes of a CIFAR resnet's layers at a
 * small batch. Cases with an empty output are skipped.
 */
export function convCases(count: number, seed: number, dilation: boolean, depthwise = false): ConvCase[] {
  const next = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const values = (n: number) => Float32Array.from({ length: n }, () => next() * 2 - 1);
  const make = (
    label: string,
    xShape: ConvCase['xShape'],
    filterShape: ConvCase['filterShape'],
    strides: [number, number],
    dilations: [number, number],
    pad: ConvCase['pad'],
  ) => {
    const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, strides, dilations, pad, undefined, depthwise);
    if (info.outHeight <= 0 || info.outWidth <= 0) return undefined;
    const dyShape = info.outShape as ConvCase['dyShape'];
    const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
    const p = typeof pad === 'string' ? pad : JSON.stringify(pad.slice(1, 3));
    return {
      depthwise,
      label: `${depthwise ? 'depthwise ' : ''}${label} x=${xShape.join('x')} f=${filterShape.join('x')} s=${strides} d=${dilations} pad=${p}`,
      xShape,
      filterShape,
      dyShape,
      strides,
      dilations,
      pad,
      top: info.padInfo.top,
      left: info.padInfo.left,
      x: values(size(xShape)),
      filter: values(size(filterShape)),
      dy: values(size(dyShape)),
    };
  };
  const cases: ConvCase[] = [];
  // A resnet's own layers: 3×3 stride 1 and 2 'same', the 1×1 stride-2 shortcut, the 3-channel stem.
  for (const [h, ci, co, k, s] of [
    [8, 3, 16, 3, 1],
    [8, 16, 16, 3, 1],
    [8, 16, 32, 3, 2],
    [8, 16, 32, 1, 2],
    [4, 32, 64, 3, 2],
  ] as const) {
    // Depthwise: a MobileNet's 3×3 depthwise layers (multiplier 1) and a multiplier of 2.
    const c = make(
      depthwise ? 'mobilenet' : 'resnet',
      [4, h, h, ci],
      [k, k, ci, depthwise ? (co === 32 ? 2 : 1) : co],
      [s, s],
      [1, 1],
      'same',
    );
    if (c) cases.push(c);
  }
  while (cases.length < count + 5) {
    const strides: [number, number] = [int(1, 2), int(1, 2)];
    const dilations: [number, number] = dilation && strides[0] === 1 && strides[1] === 1 ? [int(1, 2), int(1, 2)] : [1, 1];
    const ci = int(1, 5);
    const kind = int(0, 2);
    const pad: ConvCase['pad'] =
      kind === 0
        ? 'same'
        : kind === 1
          ? 'valid'
          : [
              [0, 0],
              [int(0, 2), int(0, 2)],
              [int(0, 2), int(0, 2)],
              [0, 0],
            ];
    const c = make(
      'random',
      [int(1, 3), int(3, 10), int(3, 10), ci],
      [int(1, 3), int(1, 3), ci, int(1, depthwise ? 3 : 6)],
      strides,
      dilations,
      pad,
    );
    if (c) cases.push(c);
  }
  return cases;
}

/** Every (x, filter, dy) index triple the forward convolution multiplies together, from its definition. */
function forEachProduct(c: ConvCase, visit: (xi: number, fi: number, yi: number) => void): void {
  const [n, h, w, ci] = c.xShape;
  const [kh, kw, , co] = c.filterShape;
  const [, oh, ow] = c.dyShape;
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let a = 0; a < kh; a++)
          for (let e = 0; e < kw; e++) {
            const r = i * c.strides[0] + a * c.dilations[0] - c.top;
            const s = j * c.strides[1] + e * c.dilations[1] - c.left;
            if (r < 0 || r >= h || s < 0 || s >= w) continue;
            for (let k = 0; k < ci; k++)
              for (let o = 0; o < co; o++) {
                const out = c.depthwise ? k * co + o : o; // depthwise: co is the multiplier M
                const outs = c.depthwise ? ci * co : co;
                visit(((b * h + r) * w + s) * ci + k, ((a * kw + e) * ci + k) * co + o, ((b * oh + i) * ow + j) * outs + out);
              }
          }
}

/** Float64 forward convolution, input gradient and filter gradient of a case. */
export function reference(c: ConvCase): { y: Float64Array; dx: Float64Array; dw: Float64Array } {
  const y = new Float64Array(c.dy.length);
  const dx = new Float64Array(c.x.length);
  const dw = new Float64Array(c.filter.length);
  forEachProduct(c, (xi, fi, yi) => {
    y[yi]! += c.x[xi]! * c.filter[fi]!;
    dx[xi]! += c.filter[fi]! * c.dy[yi]!;
    dw[fi]! += c.x[xi]! * c.dy[yi]!;
  });
  return { y, dx, dw };
}

/** max |a − e| / max(1, max |e|): relative to the scale of the expected values. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let err = 0;
  let scale = 1;
  for (let i = 0; i < expected.length; i++) {
    err = Math.max(err, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return err / scale;
}
