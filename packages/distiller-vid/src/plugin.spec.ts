import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { container } from 'tsyringe';
import { KdInputError, type Network } from '@kd/core';
import { cnnPlugin } from '@kd/backbone-cnn';
import { describePluginConformance, tinyBackbone, validatedOptions, distillerSetupFor, expectStudentOnlyGradients } from '@kd/testing';
import * as pkg from './index.js';
import { VidDistiller, vidOptionsSchema, vidPlugin, register, type VidOptions } from './index.js';

describePluginConformance({
  plugin: vidPlugin,
  register,
  module: pkg,
  packageDir: join(import.meta.dirname, '..'),
  defaults: {
    name: 'vid',
    vidWeight: 1,
    ceWeight: 1,
    stages: [],
    teacherStages: [],
    feature: 'output',
    initVariance: 5,
    eps: 1e-5,
    learnVariance: true,
  },
  invalid: [
    { name: 'vid', vidWeight: -1 },
    { name: 'vid', initVariance: 0 },
    { name: 'vid', eps: 0 },
    { name: 'vid', stages: 'stage1' },
    { name: 'vid', feature: 'pre' },
    { name: 'vid', learnVariance: 'yes' },
    { name: 'vid', midChannels: 8 },
  ],
});

const validated = (options: Record<string, unknown>) => validatedOptions<VidOptions>(vidOptionsSchema, 'vid', options);

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('VidDistiller on real backbones', () => {
  let student: Network;
  let teacher: Network;
  beforeAll(async () => {
    student = await tinyBackbone(cnnPlugin, { name: 'cnn', channels: [4, 8] }, 'vid-spec-student');
    teacher = await tinyBackbone(cnnPlugin, { name: 'cnn', channels: [6, 12, 16] }, 'vid-spec-teacher');
  });
  afterAll(() => {
    student.dispose();
    teacher.dispose();
  });

  it('builds one regressor per shared stage from the channels as an extra module; a step trains the student, never the teacher, and leaks nothing', async () => {
    const d = (await vidPlugin.create(validated({}), { container, baseDir: '.' })) as VidDistiller;
    d.setup(distillerSetupFor(student, teacher));
    expect(d.pairs).toEqual([
      { student: 'stage1', teacher: 'stage1' },
      { student: 'stage2', teacher: 'stage2' },
    ]);
    expect(d.module!.pairs.map((p) => p.conv1.shape)).toEqual([
      [1, 1, 4, 6],
      [1, 1, 8, 12],
    ]);
    expect(d.extraModules()).toEqual([d.module]);
    expectStudentOnlyGradients(d, student, teacher, ['ce', 'vid'], 3);
    d.dispose();
  });

  it('names the JSON pointer of a bad stage; taps stageN_preact on request', () => {
    const d = new VidDistiller(validated({ stages: ['stage3'] }));
    expect(() => d.setup(distillerSetupFor(student, teacher))).toThrow(KdInputError);
    expect(() => d.setup(distillerSetupFor(student, teacher))).toThrow(/\/distiller\/stages\/0/);
    const e = new VidDistiller(validated({ feature: 'preact', stages: ['stage2'], teacherStages: ['stage3'] }));
    e.setup(distillerSetupFor(student, teacher));
    expect(e.pairs).toEqual([{ student: 'stage2_preact', teacher: 'stage3_preact' }]);
    expect(e.module!.pairs[0]!.conv1.shape).toEqual([1, 1, 8, 16]);
    e.dispose();
  });
});
