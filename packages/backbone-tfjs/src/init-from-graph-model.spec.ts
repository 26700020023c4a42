import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { KdInputError } from '@kd/core';
import { initializeFromLayersModel } from './index.js';
import { kdCnn } from '../test/kd-cnn.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('a graph model as a student initialisation', () => {
  it('is refused, naming the file and saying why and what to use instead, with no weight changed', async () => {
    const net = await kdCnn([28, 28, 1], 1); // the fixture graph's stage widths
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
