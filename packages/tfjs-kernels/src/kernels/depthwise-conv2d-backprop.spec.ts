import * as tf from '@tensorflow/tfjs-core';
import { BACKENDS, TOLERANCE, fixedCases, prepare, randomCases, relativeError, useBackend, type Prepared } from '../../test/harness.js';
import { refFilterGrad, refInputGrad } from '../../test/reference.js';
import { registerTrainingKernels } from '../register.js';

const cases: Prepared[] = [...fixedCases(true, true), ...randomCases(40, 0xd3b7, { depthwise: true, dilation: true })].map(
  (c, i) => prepare(c, 2000 + i) as Prepared,
);
const undilated = (p: Prepared) => p.dilations[0] === 1 && p.dilations[1] === 1;

const attrs = (p: Prepared) => ({
  strides: p.strides,
  dilations: p.dilations,
  pad: p.pad,
  dimRoundingMode: p.dimRoundingMode,
  filterShape: p.filterShape,
  inputShape: p.xShape,
});

function run(name: string, inputs: Record<string, [Float32Array, readonly number[]]>, a: object) {
  return tf.tidy(() => {
    const ts: tf.NamedTensorMap = {};
    for (const [k, [v, shape]] of Object.entries(inputs)) ts[k] = tf.tensor(v, shape as number[]);
    return (tf.engine().runKernel(name, ts, a as tf.NamedAttrMap) as tf.Tensor).dataSync() as Float32Array;
  });
}

const filterGrad = (p: Prepared) => run('DepthwiseConv2dNativeBackpropFilter', { x: [p.x, p.xShape], dy: [p.dy, p.dyShape] }, attrs(p));
const inputGrad = (p: Prepared) =>
  run('DepthwiseConv2dNativeBackpropInput', { dy: [p.dy, p.dyShape], filter: [p.filter, p.filterShape] }, attrs(p));

// The stock cpu kernels ignore `dilations` (tfjs-core's gradient never passes one > 1), so they are a
// reference for the undilated cases only; the float64 one covers all.
const stock = new Map<Prepared, { filter: Float32Array; input: Float32Array }>();

beforeAll(async () => {
  await useBackend('cpu');
  for (const p of cases.filter(undilated)) stock.set(p, { filter: filterGrad(p), input: inputGrad(p) });
  for (const b of BACKENDS) registerTrainingKernels(b);
});

describe('float64 reference', () => {
  it.each(cases.filter(undilated).map((p) => [p.label, p] as const))('agrees with the stock cpu kernels: %s', (_, p) => {
    const s = stock.get(p)!;
    expect(relativeError(s.filter, refFilterGrad(p.geometry, p.x, p.dy))).toBeLessThanOrEqual(TOLERANCE);
    expect(relativeError(s.input, refInputGrad(p.geometry, p.filter, p.dy))).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe.each(BACKENDS)('%s', (backend) => {
  beforeAll(() => useBackend(backend));

  it.each(cases.map((p) => [p.label, p] as const))('DepthwiseConv2dNativeBackpropFilter %s', (_, p) => {
    const actual = filterGrad(p);
    expect(relativeError(actual, refFilterGrad(p.geometry, p.x, p.dy))).toBeLessThanOrEqual(TOLERANCE);
    if (stock.has(p)) expect(relativeError(actual, stock.get(p)!.filter)).toBeLessThanOrEqual(TOLERANCE);
  });

  // On cpu the stock input kernel stays in place (it is fast) and ignores dilations, like tfjs-core's.
  const inputCases = backend === 'cpu' ? cases.filter(undilated) : cases;
  it.each(inputCases.map((p) => [p.label, p] as const))('DepthwiseConv2dNativeBackpropInput %s', (_, p) => {
    const actual = inputGrad(p);
    expect(relativeError(actual, refInputGrad(p.geometry, p.filter, p.dy))).toBeLessThanOrEqual(TOLERANCE);
    if (stock.has(p)) expect(relativeError(actual, stock.get(p)!.input)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('leaves no intermediate data behind', () => {
    const backendInstance = tf.engine().backend;
    const ids = backendInstance.numDataIds();
    const tensors = tf.memory().numTensors;
    for (const p of cases.slice(0, 12)) {
      filterGrad(p);
      inputGrad(p);
    }
    expect(backendInstance.numDataIds()).toBe(ids);
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
