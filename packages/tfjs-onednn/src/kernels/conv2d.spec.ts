import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { convCases, reference, relativeError, type ConvCase } from '../../test/cases.js';
import { addonAvailable, useWasm } from '../../test/setup.js';
import { oneDnnRefusals } from '../register.js';

const available = addonAvailable();
const TOLERANCE = 1e-5;
const forwardCases = convCases(40, 0x0d11, true);
// Conv2DBackprop* kernels carry no dilation attribute.
const gradCases = convCases(40, 0x0d12, false);

function run(name: string, inputs: Record<string, [Float32Array, readonly number[]]>, attrs: object): Float32Array {
  return tf.tidy(() => {
    const ts: tf.NamedTensorMap = {};
    for (const [k, [v, s]] of Object.entries(inputs)) ts[k] = tf.tensor(v, s as number[]);
    return (tf.engine().runKernel(name, ts, attrs as tf.NamedAttrMap) as tf.Tensor).dataSync() as Float32Array;
  });
}
const conv = { dataFormat: 'NHWC', dimRoundingMode: undefined };
const forward = (c: ConvCase) =>
  run(
    'Conv2D',
    { x: [c.x, c.xShape], filter: [c.filter, c.filterShape] },
    { ...conv, strides: c.strides, pad: c.pad, dilations: c.dilations },
  );
const inputGrad = (c: ConvCase) =>
  run(
    'Conv2DBackpropInput',
    { dy: [c.dy, c.dyShape], filter: [c.filter, c.filterShape] },
    { ...conv, strides: c.strides, pad: c.pad, inputShape: c.xShape },
  );
const filterGrad = (c: ConvCase) =>
  run(
    'Conv2DBackpropFilter',
    { x: [c.x, c.xShape], dy: [c.dy, c.dyShape] },
    { ...conv, strides: c.strides, pad: c.pad, filterShape: c.filterShape },
  );

describe.skipIf(!available)('oneDNN convolutions on the wasm heap agree with float64 references', () => {
  beforeAll(() => useWasm(true));

  it.each(forwardCases.map((c) => [c.label, c] as const))('Conv2D %s', (_, c) => {
    expect(relativeError(forward(c), reference(c).y)).toBeLessThanOrEqual(TOLERANCE);
  });

  it.each(gradCases.map((c) => [c.label, c] as const))('Conv2DBackpropInput and Conv2DBackpropFilter %s', (_, c) => {
    const ref = reference(c);
    expect(relativeError(inputGrad(c), ref.dx)).toBeLessThanOrEqual(TOLERANCE);
    expect(relativeError(filterGrad(c), ref.dw)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('ran every one of those cases on oneDNN (none handed back to the kernels it replaced)', () => {
    expect(oneDnnRefusals()).toEqual([]);
  });

  it('is deterministic and allocates exactly its output', () => {
    const [c] = convCases(0, 7, false).filter((k) => k.strides[0] === 2);
    const before = tf.engine().backend.numDataIds();
    const [a, b] = [filterGrad(c!), filterGrad(c!)];
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    expect(tf.engine().backend.numDataIds()).toBe(before);
  });
});
