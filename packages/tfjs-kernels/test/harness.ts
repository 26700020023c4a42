import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import type { RefGeometry } from './reference.js';

export const BACKENDS = ['cpu', 'wasm'] as const;
export type Backend = (typeof BACKENDS)[number];
export const TOLERANCE = 1e-5;

export async function useBackend(name: string): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`backend ${name} did not initialise`);
  await tf.ready();
}

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomValues(next: () => number, shape: readonly number[]): Float32Array {
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < out.length; i++) out[i] = next() * 2 - 1;
  return out;
}

/** max |actual − expected| / max |expected|: the error relative to the tensor's scale. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs((actual[i] as number) - (expected[i] as number)));
    scale = Math.max(scale, Math.abs(expected[i] as number));
  }
  return scale === 0 ? diff : diff / scale;
}

export type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

export interface ConvCase {
  readonly label: string;
  readonly depthwise: boolean;
  readonly xShape: [number, number, number, number];
  /** [kh, kw, Ci, Co] (conv) or [kh, kw, C, M] (depthwise). */
  readonly filterShape: [number, number, number, number];
  readonly strides: [number, number];
  readonly dilations: [number, number];
  readonly pad: Pad;
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

export interface Prepared extends ConvCase {
  readonly dyShape: [number, number, number, number];
  readonly geometry: RefGeometry;
  readonly x: Float32Array;
  readonly filter: Float32Array;
  readonly dy: Float32Array;
}

/** Output shape and padding as the forward kernel computes them; undefined for an empty output. */
export function prepare(c: ConvCase, seed: number): Prepared | undefined {
  const info = tf.backend_util.computeConv2DInfo(c.xShape, c.filterShape, c.strides, c.dilations, c.pad, c.dimRoundingMode, c.depthwise);
  if (info.outHeight <= 0 || info.outWidth <= 0) return undefined;
  const dyShape = info.outShape as [number, number, number, number];
  const next = rng(seed);
  return {
    ...c,
    dyShape,
    geometry: {
      xShape: c.xShape,
      filterShape: c.filterShape,
      dyShape,
      strides: c.strides,
      dilations: c.dilations,
      top: info.padInfo.top,
      left: info.padInfo.left,
      depthwise: c.depthwise,
    },
    x: randomValues(next, c.xShape),
    filter: randomValues(next, c.filterShape),
    dy: randomValues(next, dyShape),
  };
}

const STRIDES: Array<[number, number]> = [
  [1, 1],
  [2, 2],
  [1, 2],
  [2, 1],
];
const DILATIONS: Array<[number, number]> = [
  [1, 1],
  [2, 2],
  [1, 2],
];

/**
 * Random small cases: odd and even sizes, 1–3 taps, strides 1 and 2, dilation 1 and 2 (stride 1 only, as
 * tfjs requires), 'same' / 'valid' / numeric (with a rounding mode) / explicit padding, several channel
 * counts. `dilation: false` keeps dilation at 1 (for kernels without a dilation attribute).
 */
export function randomCases(count: number, seed: number, opts: { depthwise: boolean; dilation: boolean }): ConvCase[] {
  const next = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  const cases: ConvCase[] = [];
  while (cases.length < count) {
    const strides = pick(STRIDES);
    const dilations: [number, number] = opts.dilation && strides[0] === 1 && strides[1] === 1 ? pick(DILATIONS) : [1, 1];
    const xShape: [number, number, number, number] = [int(1, 3), int(3, 9), int(3, 9), pick([1, 2, 3, 4])];
    const filterShape: [number, number, number, number] = [
      int(1, 3),
      int(1, 3),
      xShape[3],
      opts.depthwise ? pick([1, 2, 3]) : pick([1, 2, 3, 5]),
    ];
    const kind = pick(['same', 'valid', 'number', 'explicit'] as const);
    const pad: Pad =
      kind === 'number'
        ? int(0, 2)
        : kind === 'explicit'
          ? [
              [0, 0],
              [int(0, 3), int(0, 3)],
              [int(0, 3), int(0, 3)],
              [0, 0],
            ]
          : kind;
    const dimRoundingMode = kind === 'number' ? pick(['floor', 'round', 'ceil'] as const) : undefined;
    const c: ConvCase = {
      label: '',
      depthwise: opts.depthwise,
      xShape,
      filterShape,
      strides,
      dilations,
      pad,
      ...(dimRoundingMode ? { dimRoundingMode } : {}),
    };
    if (prepare(c, 0) === undefined) continue;
    cases.push({ ...c, label: describe(c) });
  }
  return cases;
}

export function describe(c: ConvCase): string {
  const pad = typeof c.pad === 'object' ? JSON.stringify(c.pad.slice(1, 3)) : String(c.pad);
  return (
    `x=${c.xShape.join('x')} f=${c.filterShape.join('x')} s=${c.strides.join(',')} d=${c.dilations.join(',')} ` +
    `pad=${pad}${c.dimRoundingMode ? `/${c.dimRoundingMode}` : ''}`
  );
}

/** Hand-picked cases that must always be covered, next to the random ones. */
export function fixedCases(depthwise: boolean, dilation: boolean): ConvCase[] {
  const m = depthwise ? 2 : 5;
  const base = (
    xShape: [number, number, number, number],
    k: [number, number],
    strides: [number, number],
    pad: Pad,
    dilations: [number, number] = [1, 1],
  ): ConvCase => {
    const c: ConvCase = {
      label: '',
      depthwise,
      xShape,
      filterShape: [k[0], k[1], xShape[3], m],
      strides,
      dilations,
      pad,
    };
    return { ...c, label: describe(c) };
  };
  const cases = [
    base([2, 8, 8, 3], [3, 3], [1, 1], 'same'),
    base([2, 7, 7, 3], [3, 3], [1, 1], 'same'),
    base([2, 8, 8, 3], [3, 3], [2, 2], 'same'),
    base([2, 7, 7, 3], [3, 3], [2, 2], 'same'),
    base([2, 8, 8, 3], [3, 3], [2, 2], 'valid'),
    base([2, 7, 7, 3], [3, 3], [2, 2], 'valid'),
    base([1, 6, 9, 2], [2, 2], [1, 1], 'same'),
    base([1, 9, 6, 4], [1, 1], [2, 2], 'valid'),
    base(
      [2, 5, 5, 1],
      [3, 3],
      [1, 1],
      [
        [0, 0],
        [3, 0],
        [0, 4],
        [0, 0],
      ],
    ),
  ];
  if (dilation)
    cases.push(
      base([2, 9, 9, 3], [3, 3], [1, 1], 'same', [2, 2]),
      base([2, 8, 8, 3], [3, 3], [1, 1], 'valid', [2, 2]),
      base([1, 9, 8, 2], [3, 2], [1, 1], 'same', [1, 3]),
    );
  return cases;
}

/**
 * Whether the wasm backend's *forward* Conv2D / DepthwiseConv2dNative computes this case correctly, so
 * that a gradient test through the forward op is meaningful. Numeric padding is excluded: tfjs sizes its
 * output with the filter height and stride height for both dimensions and rounds with `dimRoundingMode`,
 * while XNNPACK uses each dimension's own values and floors, so wasm leaves rows unwritten or writes past
 * the output buffer (heap corruption) for non-square filters or strides. A tfjs-backend-wasm 4.22.0 bug in
 * the forward pass, not in these kernels; the kernel-level tests cover numeric padding on wasm.
 */
export const wasmForwardOk = (c: ConvCase): boolean => typeof c.pad !== 'number';
