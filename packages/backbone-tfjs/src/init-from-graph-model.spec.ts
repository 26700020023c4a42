import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { container } from 'tsyringe';
import { KdInputError, Rng, type Network } from '@kd/core';
import { cnnOptionsSchema, cnnPlugin, type CnnOptions } from '@kd/backbone-cnn';
import { strictAjv } from '@kd/testing';
import { initializeFromLayersModel } from './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

/** A kd cnn with the fixture graph's stage widths. */
function kdCnn(): Network {
  const options: Record<string, unknown> = { name: 'cnn', channels: [4, 8] };
  strictAjv().compile(cnnOptionsSchema)(options);
  return cnnPlugin.create(options as CnnOptions, {
    container,
    baseDir: '.',
    numClasses: 10,
    inputShape: [28, 28, 1],
    rng: new Rng(1),
    scope: 'student',
  });
}

describe('a graph model as a student initialisation', () => {
  it('is refused, naming the file and saying why and what to use instead, with no weight changed', () => {
    const net = kdCnn();
    const before = net.stateVariables().map((v) => Array.from(v.variable.dataSync()));
    const dir = join(import.meta.dirname, '..', 'test', 'fixtures', 'graph-cnn');
    let err: unknown;
    try {
      initializeFromLayersModel(net, dir, { pointer: '/student/init/weights' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KdInputError);
    const message = (err as Error).message;
    expect(message).toContain('/student/init/weights');
    expect(message).toContain(join(dir, 'model.json'));
    expect(message).toMatch(/graph model .*frozen for inference \(batch norms folded/);
    expect(message).toMatch(/needs a layers model .* a kd run or network directory, or a PyTorch checkpoint/);
    expect(net.stateVariables().map((v) => Array.from(v.variable.dataSync()))).toEqual(before);
    net.dispose();
  });
});
