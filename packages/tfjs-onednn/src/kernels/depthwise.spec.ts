import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { convCases, reference, relativeError, type ConvCase } from '../../test/cases.js';
import { fusedConvOutput } from '../../test/fused-conv.js';
import { addonAvailable, useWasm } from '../../test/setup.js';
import { oneDnnRefusals } from '../register.js';

const available = addonAvailable();
const TOLERANCE = 1e-5;

function run(name: string, inputs: Record<string, [Float32Array, readonly number[]]>, attrs: object): Float32Array {
  return tf.tidy(() => {
    const ts: tf.NamedTensorMap = {};
    for (const [k, [v, s]] of Object.entries(inputs)) ts[k] = tf.tensor(v, s as number[]);
    return (tf.engine().runKernel(name, ts, attrs as tf.NamedAttrMap) as tf.Tensor).dataSync() as Float32Array;
  });
}
const common = (c: ConvCase) => ({
  strides: c.strides,
  pad: c.pad,
  dilations: c.dilations,
  dataFormat: 'NHWC',
  dimRoundingMode: undefined,
});

describe.skipIf(!available)('depthwise convolutions on oneDNN (groups = channels) agree with float64 references', () => {
  beforeAll(() => useWasm(true));

  // tfjs allows dilation only at stride 1, which convCases respects.
  it.each(convCases(30, 0xde97, true, true).map((c) => [c.label, c] as const))('%s', (_, c) => {
    const ref = reference(c);
    const fwd = run('DepthwiseConv2dNative', { x: [c.x, c.xShape], filter: [c.filter, c.filterShape] }, common(c));
    const dx = run(
      'DepthwiseConv2dNativeBackpropInput',
      { dy: [c.dy, c.dyShape], filter: [c.filter, c.filterShape] },
      { ...common(c), inputShape: c.xShape },
    );
    const dw = run(
      'DepthwiseConv2dNativeBackpropFilter',
      { x: [c.x, c.xShape], dy: [c.dy, c.dyShape] },
      { ...common(c), filterShape: c.filterShape },
    );
    expect(relativeError(fwd, ref.y)).toBeLessThanOrEqual(TOLERANCE);
    expect(relativeError(dx, ref.dx)).toBeLessThanOrEqual(TOLERANCE);
    expect(relativeError(dw, ref.dw)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('fused depthwise with a bias and relu6 agrees too', () => {
    for (const c of convCases(6, 0xde98, false, true)) {
      const co = c.xShape[3] * c.filterShape[3];
      const bias = Float32Array.from({ length: co }, (_, i) => (i % 3) - 1);
      const want = reference(c).y.map((v, i) => Math.min(6, Math.max(0, 8 * v + bias[i % co]!)));
      const got = fusedConvOutput(c, { scale: 8, bias, activation: 'relu6' });
      expect(relativeError(got, want), c.label).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it('takes dilations: null (as tfjs-layers’ depthwise gradients pass it) for 1', () => {
    const [c] = convCases(0, 0xde99, false, true);
    const dw = run(
      'DepthwiseConv2dNativeBackpropFilter',
      { x: [c!.x, c!.xShape], dy: [c!.dy, c!.dyShape] },
      { ...common(c!), dilations: null, filterShape: c!.filterShape },
    );
    expect(relativeError(dw, reference(c!).dw)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('ran every case on oneDNN', () => {
    expect(oneDnnRefusals()).toEqual([]);
  });
});
