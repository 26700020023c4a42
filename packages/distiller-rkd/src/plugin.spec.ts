import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { container } from 'tsyringe';
import { type Network } from '@kd/core';
import { cnnPlugin } from '@kd/backbone-cnn';
import { describePluginConformance, strictAjv, tinyBackbone } from '@kd/testing';
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

function validated(options: Record<string, unknown>): RkdOptions {
  const config = { name: 'rkd', ...options };
  const validate = strictAjv().compile(rkdOptionsSchema);
  expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
  return config as unknown as RkdOptions;
}

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
    const x = tf.randomUniform([6, 28, 28, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    const y = tf.tensor1d([0, 1, 2, 3, 4, 5], 'int32');
    const info = { epoch: 0, epochs: 1, step: 0, globalStep: 0, stage: 'train', numClasses: 10, labels: y };
    const before = tf.memory().numTensors;
    for (let i = 0; i < 2; i++) {
      tf.tidy(() => {
        const vars = [...student.trainableVariables(), ...teacher.trainableVariables()];
        const { value, grads } = tf.variableGrads(() => {
          const t = teacher.apply(x, { training: false });
          const s = student.apply(x, { training: true });
          const r = d.computeLoss({ ...info, student: s, teacher: t });
          expect(Object.keys(r.terms).sort()).toEqual(['angle', 'ce', 'distance']);
          return r.total;
        }, vars);
        expect(value.dataSync()[0]).toBeGreaterThan(0);
        const studentConv = student.trainableVariables().find((v) => grads[v.name] && v.rank === 4)!;
        expect(tf.max(tf.abs(grads[studentConv.name]!)).dataSync()[0]).toBeGreaterThan(0);
        for (const v of teacher.trainableVariables()) {
          const g = grads[v.name];
          if (g) expect(tf.max(tf.abs(g)).dataSync()[0], v.name).toBe(0);
        }
      });
      expect(tf.memory().numTensors).toBe(before);
    }
    tf.dispose([x, y]);
  });
});
