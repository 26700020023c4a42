import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { convCases, relativeError } from '../test/cases.js';
import { addonAvailable, useWasm } from '../test/setup.js';
import { oneDnnImplementations, registerOneDnnKernels, unregisterOneDnnKernels } from './register.js';

const available = addonAvailable();

/** A small conv net's loss gradients (two strided 3×3 convolutions with bias and relu, a dense head). */
function gradients(seed: number): Float32Array[] {
  const [c] = convCases(0, seed, false);
  return tf.tidy(() => {
    const x = tf.tensor(c!.x, c!.xShape);
    const w1 = tf.tensor(
      c!.filter.slice(0, 3 * 3 * 3 * 8).map((v) => v * 0.5),
      [3, 3, 3, 8],
    );
    const w2 = tf.tensor(
      Float32Array.from({ length: 3 * 3 * 8 * 4 }, (_, i) => Math.sin(i)),
      [3, 3, 8, 4],
    );
    const b1 = tf.tensor(Float32Array.from({ length: 8 }, (_, i) => 0.1 * i - 0.3));
    const loss = (a: tf.Tensor, b: tf.Tensor, d: tf.Tensor) => {
      const h = tf.fused.conv2d({ x: x as tf.Tensor4D, filter: a as tf.Tensor4D, strides: 2, pad: 'same', bias: d, activation: 'relu' });
      return tf.mean(tf.square(tf.conv2d(h, b as tf.Tensor4D, 2, 'same')));
    };
    return tf
      .grads(loss)([w1, w2, b1])
      .map((g) => g.dataSync() as Float32Array);
  });
}

describe.skipIf(!available)('registerOneDnnKernels', () => {
  afterAll(() => unregisterOneDnnKernels());

  it('reports what it registered, idempotently, and oneDNN picks vectorised kernels on this CPU (not its reference loops)', async () => {
    await useWasm(false);
    const first = registerOneDnnKernels({ threads: 1 });
    expect(first).toMatchObject({
      enabled: true,
      registered: [
        'kernel:Conv2D',
        'kernel:FusedConv2D',
        'kernel:Conv2DBackpropInput',
        'kernel:Conv2DBackpropFilter',
        'kernel:DepthwiseConv2dNative',
        'kernel:FusedDepthwiseConv2D',
        'kernel:DepthwiseConv2dNativeBackpropInput',
        'kernel:DepthwiseConv2dNativeBackpropFilter',
        'kernel:Multiply',
        'kernel:Add',
        'kernel:Sub',
        'kernel:FusedBatchNorm',
        'kernel:Sum',
        'kernel:Mean',
        'kernel:KdBatchNormTraining',
        'kernel:KdBatchNormTrainingGrad',
        'kernel:KdSgdUpdate',
        'kernel:Relu',
        'kernel:KdReluGrad',
        'kernel:BatchMatMul',
        'kernel:GatherV2',
      ],
      threads: 1,
    });
    expect(registerOneDnnKernels({ threads: 1 })).toEqual(first);
    const info = tf.backend_util.computeConv2DInfo([64, 32, 32, 16], [3, 3, 16, 32], 2, 1, 'same');
    const dw = tf.backend_util.computeConv2DInfo([64, 16, 16, 96], [3, 3, 96, 1], 2, 1, 'same', undefined, true);
    for (const names of [oneDnnImplementations(info)!.split('|'), oneDnnImplementations(dw, true)!.split('|')]) {
      expect(names).toHaveLength(3);
      for (const n of names) expect(n).not.toMatch(/^ref/);
    }
  });

  it('a training step’s gradients match those of the kernels it replaced (XNNPACK and @kd/tfjs-kernels) to 1e-5', async () => {
    await useWasm(false);
    const before = gradients(11);
    await useWasm(true);
    const after = gradients(11);
    for (let i = 0; i < before.length; i++) expect(relativeError(after[i]!, before[i]!)).toBeLessThanOrEqual(1e-5);
  });

  it('leaves NCHW to the kernel it replaced (@kd/tfjs-kernels’ composite filter gradient), with the right result', async () => {
    await useWasm(true);
    const x = tf.tensor4d(
      Float32Array.from({ length: 2 * 5 * 5 * 3 }, (_, i) => Math.cos(i)),
      [2, 5, 5, 3],
    );
    const dy = tf.tensor4d(
      Float32Array.from({ length: 2 * 5 * 5 * 4 }, (_, i) => Math.sin(i)),
      [2, 5, 5, 4],
    );
    const attrs = { strides: 1, pad: 'same', dimRoundingMode: undefined, filterShape: [3, 3, 3, 4] };
    const run = (dataFormat: string, a: tf.Tensor, b: tf.Tensor) =>
      (tf.engine().runKernel('Conv2DBackpropFilter', { x: a, dy: b }, { ...attrs, dataFormat } as never) as tf.Tensor).dataSync();
    const nhwc = run('NHWC', x, dy);
    const nchw = tf.tidy(() => run('NCHW', tf.transpose(x, [0, 3, 1, 2]), tf.transpose(dy, [0, 3, 1, 2])));
    expect(relativeError(nchw, nhwc)).toBeLessThanOrEqual(1e-5);
    tf.dispose([x, dy]);
  });

  it('rejects a thread count that is not a whole number >= 1', () => {
    expect(() => registerOneDnnKernels({ threads: 0 })).toThrow(/threads: got 0; expected an integer >= 1/);
  });

  it('unregistering puts the replaced kernels back', async () => {
    await useWasm(true);
    const ours = tf.getKernel('Conv2D', 'wasm');
    expect(unregisterOneDnnKernels().unregistered).toContain('kernel:Conv2D');
    expect(tf.getKernel('Conv2D', 'wasm')).not.toBe(ours);
  });
});
