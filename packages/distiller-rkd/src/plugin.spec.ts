import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { container } from 'tsyringe';
import { type Network } from '@kd/core';
import { cnnPlugin } from '@kd/backbone-cnn';
import { describePluginConformance, tinyBackbone, validatedOptions, expectStudentOnlyGradients } from '@kd/testing';
import * as pkg from './index.js';
import { RkdDistiller, rkdOptionsSchema, rkdPlugin, register, type RkdOptions } from './index.js';

describePluginConformance({
  plugin: rkdPlugin,
  register,
  module: pkg,
  packageDir: join(import.meta.dirname, '..'),
  defaults: { name: 'rkd', distanceWeight: 25, angleWeight: 50, ceWeight: 1, squared: false, eps: 1e-12 },
  invalid: [
    { name: 'kd' },
    { name: 'rkd', distanceWeight: -1 },
    { name: 'rkd', angleWeight: '50' },
    { name: 'rkd', eps: 0 },
    { name: 'rkd', squared: 'yes' },
    { name: 'rkd', angleWieght: 50 },
  ],
});

const validated = (options: Record<string, unknown>) => validatedOptions<RkdOptions>(rkdOptionsSchema, 'rkd', options);

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('RkdDistiller on real backbones', () => {
  let student: Network;
  let teacher: Network;
  beforeAll(async () => {
    student = await tinyBackbone(cnnPlugin, { name: 'cnn', channels: [4, 8] }, 'rkd-spec-student');
    teacher = await tinyBackbone(cnnPlugin, { name: 'cnn', channels: [6, 12] }, 'rkd-spec-teacher');
  });
  afterAll(() => {
    for (const n of [student, teacher]) n.dispose();
  });

  it('trains the student’s convolutions through the relational terms; the teacher gets no gradient; no tensors leak', async () => {
    const d = (await rkdPlugin.create(validated({ ceWeight: 0 }), { container, baseDir: '.' })) as RkdDistiller;
    expectStudentOnlyGradients(d, student, teacher, ['angle', 'ce', 'distance'], 6);
  });
});
