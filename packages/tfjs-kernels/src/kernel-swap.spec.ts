import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { KernelSwap } from './kernel-swap.js';

describe('KernelSwap', () => {
  const kernelName = 'KdKernelSwapProbe';
  const original: tf.KernelConfig = { kernelName, backendName: 'cpu', kernelFunc: () => tf.scalar(1) as never };

  afterEach(() => {
    if (tf.getKernel(kernelName, 'cpu')) tf.unregisterKernel(kernelName, 'cpu');
  });

  it('installs over the kernel it replaces (handed to create), once, and restores exactly it', () => {
    tf.registerKernel(original);
    const swap = new KernelSwap('@kd/test-owner-a');
    const seen: (tf.KernelConfig | undefined)[] = [];
    const create = (previous: tf.KernelConfig | undefined) => {
      seen.push(previous);
      return { kernelName, backendName: 'cpu', kernelFunc: () => tf.scalar(2) as never };
    };
    swap.install('cpu', kernelName, create);
    swap.install('cpu', kernelName, create);
    expect(seen).toEqual([original]);
    expect(swap.owns(tf.getKernel(kernelName, 'cpu'))).toBe(true);
    expect(swap.restore('cpu', kernelName)).toBe(true);
    expect(tf.getKernel(kernelName, 'cpu')).toBe(original);
    expect(swap.restore('cpu', kernelName)).toBe(false);
  });

  it('an owner restores only its own kernels; two instances of one owner share what was replaced', () => {
    tf.registerKernel(original);
    new KernelSwap('@kd/test-owner-b').install('cpu', kernelName, () => ({
      kernelName,
      backendName: 'cpu',
      kernelFunc: () => tf.scalar(3) as never,
    }));
    expect(new KernelSwap('@kd/test-owner-c').restore('cpu', kernelName)).toBe(false);
    // A second copy of the same package (same owner name) finds the replaced kernel.
    expect(new KernelSwap('@kd/test-owner-b').restore('cpu', kernelName)).toBe(true);
    expect(tf.getKernel(kernelName, 'cpu')).toBe(original);
  });

  it('restoring where nothing was replaced leaves no kernel', () => {
    const swap = new KernelSwap('@kd/test-owner-d');
    swap.install('cpu', kernelName, () => ({ kernelName, backendName: 'cpu', kernelFunc: () => tf.scalar(4) as never }));
    expect(swap.restore('cpu', kernelName)).toBe(true);
    expect(tf.getKernel(kernelName, 'cpu')).toBeUndefined();
  });
});

describe('KernelSwap for gradients', () => {
  const kernelName = 'KdGradientSwapProbe';
  const original: tf.GradConfig = { kernelName, gradFunc: () => ({ x: () => tf.scalar(1) }) };

  afterEach(() => {
    if (tf.getGradient(kernelName)) tf.unregisterGradient(kernelName);
  });

  it('installs over the gradient it replaces (handed to create), once, remembers it, and restores exactly it', () => {
    tf.registerGradient(original);
    const swap = new KernelSwap('@kd/test-owner-e');
    const seen: (tf.GradConfig | undefined)[] = [];
    const create = (previous: tf.GradConfig | undefined): tf.GradConfig => {
      seen.push(previous);
      return { kernelName, gradFunc: () => ({ x: () => tf.scalar(2) }) };
    };
    swap.installGradient(kernelName, create);
    swap.installGradient(kernelName, create);
    expect(seen).toEqual([original]);
    expect(swap.owns(tf.getGradient(kernelName))).toBe(true);
    expect(swap.replacedGradient(kernelName)).toBe(original);
    expect(new KernelSwap('@kd/test-owner-f').restoreGradient(kernelName)).toBe(false);
    // A second copy of the same package (same owner name) finds the replaced gradient.
    expect(new KernelSwap('@kd/test-owner-e').restoreGradient(kernelName)).toBe(true);
    expect(tf.getGradient(kernelName)).toBe(original);
    expect(swap.replacedGradient(kernelName)).toBeUndefined();
    expect(swap.restoreGradient(kernelName)).toBe(false);
  });

  it('restoring where no gradient was replaced leaves none', () => {
    const swap = new KernelSwap('@kd/test-owner-g');
    swap.installGradient(kernelName, () => ({ kernelName, gradFunc: () => ({ x: () => tf.scalar(3) }) }));
    expect(swap.replacedGradient(kernelName)).toBeUndefined();
    expect(swap.restoreGradient(kernelName)).toBe(true);
    expect(tf.getGradient(kernelName)).toBeUndefined();
  });
});
