import * as tf from '@tensorflow/tfjs-core';
import { BACKENDS, TOLERANCE, fixedCases, prepare, randomCases, relativeError, useBackend, type Prepared } from '../../test/harness.js';
import { refFilterGrad, refInputGrad } from '../../test/reference.js';
import { registerTrainingKernels } from '../register.js';

// Conv2DBackprop* kernels carry no dilation attribute, so these cases all have dilation 1.
const cases: Prepared[] = [...fixedCases(false, false), ...randomCases(40, 0xc0117, { depthwise: false, dilation: false })].map(
  (c, i) => prepare(c, 1000 + i) as Prepared,
);

const filterAttrs = (p: Prepared) => ({
  strides: p.strides,
  pad: p.pad,
  dataFormat: 'NHWC',
  dimRoundingMode: p.dimRoundingMode,
  filterShape: p.filterShape,
});
const inputAttrs = (p: Prepared) => ({
  strides: p.strides,
  pad: p.pad,
  dataFormat: 'NHWC',
  dimRoundingMode: p.dimRoundingMode,
  inputShape: p.xShape,
});

function run(name: string, inputs: Record<string, Float32Array>, shapes: Record<string, readonly number[]>, attrs: object) {
  return tf.tidy(() => {
    const ts: tf.NamedTensorMap = {};
    for (const [k, v] of Object.entries(inputs)) ts[k] = tf.tensor(v, shapes[k] as number[]);
    return (tf.engine().runKernel(name, ts, attrs as tf.NamedAttrMap) as tf.Tensor).dataSync() as Float32Array;
  });
}

const filterGrad = (p: Prepared) => run('Conv2DBackpropFilter', { x: p.x, dy: p.dy }, { x: p.xShape, dy: p.dyShape }, filterAttrs(p));
const inputGrad = (p: Prepared) =>
  run('Conv2DBackpropInput', { dy: p.dy, filter: p.filter }, { dy: p.dyShape, filter: p.filterShape }, inputAttrs(p));

const stock = new Map<Prepared, { filter: Float32Array; input: Float32Array }>();

beforeAll(async () => {
  // The stock cpu kernels, before anything is registered: the reference the brief asks for.
  await useBackend('cpu');
  for (const p of cases) stock.set(p, { filter: filterGrad(p), input: inputGrad(p) });
  for (const b of BACKENDS) registerTrainingKernels(b);
});

describe('float64 reference', () => {
  it.each(cases.map((p) => [p.label, p] as const))('agrees with the stock cpu kernels: %s', (_, p) => {
    const s = stock.get(p)!;
    expect(relativeError(s.filter, refFilterGrad(p.geometry, p.x, p.dy))).toBeLessThanOrEqual(TOLERANCE);
    expect(relativeError(s.input, refInputGrad(p.geometry, p.filter, p.dy))).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe.each(BACKENDS)('%s', (backend) => {
  beforeAll(() => useBackend(backend));

  it.each(cases.map((p) => [p.label, p] as const))('Conv2DBackpropFilter %s', (_, p) => {
    const actual = filterGrad(p);
    expect(relativeError(actual, stock.get(p)!.filter)).toBeLessThanOrEqual(TOLERANCE);
    expect(relativeError(actual, refFilterGrad(p.geometry, p.x, p.dy))).toBeLessThanOrEqual(TOLERANCE);
  });

  it.each(cases.map((p) => [p.label, p] as const))('Conv2DBackpropInput %s', (_, p) => {
    const actual = inputGrad(p);
    expect(relativeError(actual, stock.get(p)!.input)).toBeLessThanOrEqual(TOLERANCE);
    expect(relativeError(actual, refInputGrad(p.geometry, p.filter, p.dy))).toBeLessThanOrEqual(TOLERANCE);
  });

  it('handles NCHW (transposed in and out)', () => {
    for (const p of cases.slice(0, 9)) {
      const nchw = (v: Float32Array, shape: readonly number[]) =>
        tf.tidy(() => tf.transpose(tf.tensor(v, shape as number[]), [0, 3, 1, 2]).dataSync() as Float32Array);
      const toNchw = (s: readonly number[]) => [s[0], s[3], s[1], s[2]] as number[];
      const pad = typeof p.pad === 'object' ? [p.pad[0], p.pad[3], p.pad[1], p.pad[2]] : p.pad;
      const attrs = { strides: p.strides, pad, dataFormat: 'NCHW', dimRoundingMode: p.dimRoundingMode };
      const x = nchw(p.x, p.xShape);
      const dy = nchw(p.dy, p.dyShape);
      const dw = run(
        'Conv2DBackpropFilter',
        { x, dy },
        { x: toNchw(p.xShape), dy: toNchw(p.dyShape) },
        {
          ...attrs,
          filterShape: p.filterShape,
        },
      );
      expect(relativeError(dw, stock.get(p)!.filter), p.label).toBeLessThanOrEqual(TOLERANCE);
      const dxNchw = run(
        'Conv2DBackpropInput',
        { dy, filter: p.filter },
        { dy: toNchw(p.dyShape), filter: p.filterShape },
        {
          ...attrs,
          inputShape: toNchw(p.xShape),
        },
      );
      const dx = tf.tidy(() => tf.transpose(tf.tensor(dxNchw, toNchw(p.xShape)), [0, 2, 3, 1]).dataSync());
      expect(relativeError(dx, stock.get(p)!.input), p.label).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it('leaves no intermediate data behind', () => {
    const p = cases[2]!;
    const backendInstance = tf.engine().backend;
    const ids = backendInstance.numDataIds();
    const tensors = tf.memory().numTensors;
    filterGrad(p);
    inputGrad(p);
    expect(backendInstance.numDataIds()).toBe(ids);
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
