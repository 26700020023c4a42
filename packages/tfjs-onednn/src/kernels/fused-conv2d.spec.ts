import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { convCases, reference, relativeError } from '../../test/cases.js';
import { fusedConvOutput } from '../../test/fused-conv.js';
import { addonAvailable, useWasm } from '../../test/setup.js';
import { oneDnnRefusals } from '../register.js';

const available = addonAvailable();

describe.skipIf(!available)('FusedConv2D on oneDNN: bias and activation fused', () => {
  beforeAll(() => useWasm(true));
  const cases = convCases(12, 0xf05e, true);

  it.each(['linear', 'relu', 'relu6'] as const)('%s with a bias agrees with the float64 convolution + bias + activation', (activation) => {
    const act = (v: number) => (activation === 'linear' ? v : activation === 'relu' ? Math.max(0, v) : Math.min(6, Math.max(0, v)));
    for (const c of cases) {
      const co = c.filterShape[3];
      // Scaled up so that relu6's upper clip is reached too.
      const bias = Float32Array.from({ length: co }, (_, i) => (i % 3) * 3 - 2);
      const ref = reference(c).y.map((v, i) => act(4 * v + bias[i % co]!));
      const got = fusedConvOutput(c, { scale: 4, bias, activation });
      expect(relativeError(got, ref), c.label).toBeLessThanOrEqual(1e-5);
    }
    expect(oneDnnRefusals()).toEqual([]);
  });

  it('hands an activation oneDNN does not fuse (leakyrelu) to the kernel it replaced, with the right result', () => {
    const [c] = cases;
    const ref = reference(c!).y.map((v) => (v > 0 ? v : 0.1 * v));
    const got = fusedConvOutput(c!, { activation: 'leakyrelu', leakyreluAlpha: 0.1 });
    expect(relativeError(got, ref)).toBeLessThanOrEqual(1e-5);
  });
});
