import * as tf from '@tensorflow/tfjs-core';
// Imported like the application does: its bundle registers tfjs-core's stock gradients.
import * as tfl from '@tensorflow/tfjs-layers';
import { BACKENDS, TOLERANCE, prepare, randomValues, relativeError, rng, useBackend } from '../test/harness.js';
import { refFilterGrad, refInputGrad } from '../test/reference.js';
import { registerTrainingKernels, unregisterTrainingKernels, TRAINING_KERNEL_BACKENDS } from './index.js';

const KERNELS = [
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'Sum',
  'Mean',
  'Identity',
  'Cast',
  'Slice',
  'KdBatchNormTraining',
  'KdBatchNormTrainingGrad',
  'KdSgdUpdate',
  'KdReluGrad',
];
const GRADIENTS = ['Conv2D', 'DepthwiseConv2dNative', 'FusedBatchNorm', 'Mean', 'KdBatchNormTraining', 'Relu'];

/** The registry entries these functions may touch, as object identities. */
function snapshot(): Map<string, object | undefined> {
  const out = new Map<string, object | undefined>();
  for (const b of BACKENDS) for (const k of KERNELS) out.set(`${b}/${k}`, tf.getKernel(k, b));
  for (const g of GRADIENTS) out.set(`gradient/${g}`, tf.getGradient(g));
  return out;
}

function expectSameEntries(a: Map<string, object | undefined>, b: Map<string, object | undefined>): void {
  for (const [k, v] of a) expect(b.get(k), k).toBe(v);
}

/**
 * A small tfjs-layers net exercising every gradient path: a conv with bias and linear activation (FusedConv2D,
 * whose customGrad calls the backprop kernels directly), a strided conv with a relu (unfused in training:
 * the Conv2D gradient), a depthwise conv with channel multiplier 2 (the DepthwiseConv2dNative gradient).
 */
function buildModel(): tfl.LayersModel {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [7, 8, 3], filters: 4, kernelSize: 3, padding: 'same' }),
      tfl.layers.conv2d({ filters: 5, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
      tfl.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'valid' }),
      tfl.layers.globalAveragePooling2d({}),
      tfl.layers.dense({ units: 3 }),
    ],
  });
  const next = rng(42);
  model.setWeights(model.getWeights().map((w) => tf.tensor(randomValues(next, w.shape), w.shape)));
  return model;
}

function modelGrads(model: tfl.LayersModel, x: tf.Tensor, target: tf.Tensor): Float32Array[] {
  return tf.tidy(() => {
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(
      () => tf.losses.meanSquaredError(target, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
      vars,
    );
    return vars.map((v) => grads[v.name]!.dataSync() as Float32Array);
  });
}

describe('registerTrainingKernels', () => {
  let stock: Map<string, object | undefined>;
  let model: tfl.LayersModel;
  let x: tf.Tensor;
  let target: tf.Tensor;
  let stockGrads: Float32Array[];

  beforeAll(async () => {
    await useBackend('wasm');
    await useBackend('cpu');
    stock = snapshot();
    model = buildModel();
    const next = rng(7);
    x = tf.keep(tf.tensor(randomValues(next, [2, 7, 8, 3]), [2, 7, 8, 3]));
    target = tf.keep(tf.tensor(randomValues(next, [2, 3]), [2, 3]));
    // The reference: tfjs's own gradients and cpu kernels, before anything is registered.
    stockGrads = modelGrads(model, x, target);
  });

  it('starts from stock tfjs: wasm lacks the conv backprop kernels, so training a conv net fails there', async () => {
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    expect(tf.getKernel('DepthwiseConv2dNativeBackpropInput', 'wasm')).toBeUndefined();
    await useBackend('wasm');
    expect(() => modelGrads(model, x, target)).toThrow(/not registered for backend 'wasm'/);
  });

  it('is a no-op for any other backend', () => {
    for (const name of ['tensorflow', 'webgl', 'webgpu', 'WASM', '']) expect(registerTrainingKernels(name)).toEqual({ registered: [] });
    expectSameEntries(stock, snapshot());
    expect(TRAINING_KERNEL_BACKENDS).toEqual(['wasm', 'cpu']);
  });

  it('registers for wasm without printing anything, and a second call changes nothing', () => {
    tf.env().set('DEBUG', true); // makes tfjs warn on every gradient override
    const spies = (['warn', 'log', 'info', 'error'] as const).map((m) => vi.spyOn(console, m));
    try {
      const first = registerTrainingKernels('wasm');
      expect(first.registered).toEqual([
        'kernel:Conv2DBackpropFilter',
        'kernel:Conv2DBackpropInput',
        'kernel:DepthwiseConv2dNativeBackpropFilter',
        'kernel:DepthwiseConv2dNativeBackpropInput',
        'kernel:Sum',
        'kernel:Mean',
        'kernel:Identity',
        'kernel:Cast',
        'kernel:Slice',
        'kernel:KdBatchNormTraining',
        'kernel:KdBatchNormTrainingGrad',
        'kernel:KdSgdUpdate',
        'kernel:KdReluGrad',
        'kernel:Log1p',
        ...GRADIENTS.map((g) => `gradient:${g}`),
      ]);
      const after = snapshot();
      for (const k of KERNELS) expect(after.get(`wasm/${k}`), k).not.toBe(stock.get(`wasm/${k}`));
      for (const k of KERNELS) expect(after.get(`cpu/${k}`), k).toBe(stock.get(`cpu/${k}`));
      expect(registerTrainingKernels('wasm')).toEqual(first);
      expectSameEntries(after, snapshot());
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of spies) spy.mockRestore();
      tf.env().set('DEBUG', false);
    }
  });

  it('gates the global gradient override by backend', async () => {
    // Dilation 2: tfjs-core's gradient rejects it; the override supports it.
    const p = prepare(
      { label: '', depthwise: false, xShape: [1, 7, 7, 2], filterShape: [3, 3, 2, 2], strides: [1, 1], dilations: [2, 2], pad: 'same' },
      5,
    )!;
    const grads = () =>
      tf.tidy(() =>
        tf
          .grads((a: tf.Tensor, w: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, 1, 'same', 'NHWC', 2))(
            [tf.tensor(p.x, p.xShape), tf.tensor(p.filter, p.filterShape)],
            tf.tensor(p.dy, p.dyShape),
          )
          .map((g) => g.dataSync()),
      );
    await useBackend('cpu'); // not registered yet: the stock gradient runs
    expect(grads).toThrow(/dilation rates greater than 1/);
    await useBackend('wasm');
    const [dx, dw] = grads();
    expect(relativeError(dx!, refInputGrad(p.geometry, p.filter, p.dy))).toBeLessThanOrEqual(TOLERANCE);
    expect(relativeError(dw!, refFilterGrad(p.geometry, p.x, p.dy))).toBeLessThanOrEqual(TOLERANCE);
  });

  it('registers for cpu: the filter kernels are replaced there, and kd’s batch-norm and SGD kernels added', () => {
    expect(registerTrainingKernels('cpu').registered).toEqual([
      'kernel:Conv2DBackpropFilter',
      'kernel:DepthwiseConv2dNativeBackpropFilter',
      'kernel:KdBatchNormTraining',
      'kernel:KdBatchNormTrainingGrad',
      'kernel:KdSgdUpdate',
      'kernel:KdReluGrad',
      ...GRADIENTS.map((g) => `gradient:${g}`),
    ]);
    const now = snapshot();
    expect(now.get('cpu/Conv2DBackpropInput')).toBe(stock.get('cpu/Conv2DBackpropInput'));
    expect(now.get('cpu/Conv2DBackpropFilter')).not.toBe(stock.get('cpu/Conv2DBackpropFilter'));
  });

  it.each(BACKENDS)('tfjs-layers model gradients on %s match the stock cpu gradients', async (backend) => {
    await useBackend(backend);
    const grads = modelGrads(model, x, target);
    expect(grads).toHaveLength(stockGrads.length);
    grads.forEach((g, i) => expect(relativeError(g, stockGrads[i]!), `weight ${i}`).toBeLessThanOrEqual(TOLERANCE));
  });

  it.each(BACKENDS)('leaks nothing over training steps on %s', async (backend) => {
    await useBackend(backend);
    const optimizer = tf.train.sgd(0.01);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const step = () =>
      optimizer
        .minimize(() => tf.losses.meanSquaredError(target, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true, vars)
        ?.dispose();
    step(); // the first step may create optimizer state
    const tensors = tf.memory().numTensors;
    const ids = tf.engine().backend.numDataIds();
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.engine().backend.numDataIds()).toBe(ids);
    optimizer.dispose();
  });

  it('unregisterTrainingKernels restores the stock kernels and gradients', () => {
    const { unregistered } = unregisterTrainingKernels();
    expect(unregistered).toContain('kernel:Conv2DBackpropInput');
    expect(unregistered).toContain('gradient:Conv2D');
    expectSameEntries(stock, snapshot());
    expect(unregisterTrainingKernels()).toEqual({ unregistered: [] });
    // And registering again works after a restore.
    expect(registerTrainingKernels('wasm').registered).toHaveLength(20);
    unregisterTrainingKernels('wasm');
    expectSameEntries(stock, snapshot());
  });
});
