import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { container } from 'tsyringe';
import { KdInputError, type Network } from '@kd/core';
import * as pkg from './index.js';
import { AtDistiller, atOptionsSchema, atPlugin, register, type AtOptions } from './index.js';
import { cnnPlugin } from '@kd/backbone-cnn';
import { describePluginConformance, tinyBackbone, validatedOptions, distillerSetupFor, expectStudentOnlyGradients } from '@kd/testing';

const tinyCnn = (channels: number[], scope: string) => tinyBackbone(cnnPlugin, { name: 'cnn', channels }, scope);

const validated = (options: Record<string, unknown>) => validatedOptions<AtOptions>(atOptionsSchema, 'at', options);

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describePluginConformance({
  plugin: atPlugin,
  register,
  module: pkg,
  exports: ['atPlugin', 'atOptionsSchema', 'atLoss', 'atLossTerms', 'atStageLoss', 'attentionMap', 'AtDistiller', 'register'],
  packageDir: join(import.meta.dirname, '..'),
  manifest: { kind: 'distiller', name: 'at', version: '0.1.0', optionsSchema: atOptionsSchema },
  // mdistiller's CIFAR-100 defaults
  defaults: {
    name: 'at',
    beta: 1000,
    p: 2,
    ceWeight: 1,
    kdWeight: 0,
    temperature: 4,
    stages: [],
    teacherStages: [],
    feature: 'output',
  },
  invalid: [
    { name: 'kd' },
    { name: 'at', beta: -1 },
    { name: 'at', p: 0.5 },
    { name: 'at', temperature: 0 },
    { name: 'at', stages: 'stage1' },
    { name: 'at', stages: [''] },
    { name: 'at', feature: 'pre' },
    { name: 'at', betta: 1000 },
  ],
});

it('cites its paper', () => {
  expect(atPlugin.manifest.paper?.url).toBe('https://arxiv.org/abs/1612.03928');
});

describe('AtDistiller on real backbones', () => {
  let student: Network;
  let teacher: Network;
  let deep: Network;
  beforeAll(async () => {
    student = await tinyCnn([4, 8], 'at-spec-student');
    teacher = await tinyCnn([6, 12], 'at-spec-teacher');
    deep = await tinyCnn([6, 12, 16], 'at-spec-deep');
  });
  afterAll(() => {
    for (const n of [student, teacher, deep]) n.dispose();
  });

  it('pairs every shared stage by default, or the stages chosen, with preact features on request', async () => {
    const d = (await atPlugin.create(validated({}), { container, baseDir: '.' })) as AtDistiller;
    d.setup(distillerSetupFor(student, deep));
    expect(d.pairs).toEqual([
      { student: 'stage1', teacher: 'stage1' },
      { student: 'stage2', teacher: 'stage2' },
    ]);
    const e = new AtDistiller(validated({ stages: ['stage2'], teacherStages: ['stage3'], feature: 'preact' }));
    e.setup(distillerSetupFor(student, deep));
    expect(e.pairs).toEqual([{ student: 'stage2_preact', teacher: 'stage3_preact' }]);
  });

  it('names the option, the value and what was expected when a stage does not exist', () => {
    const bad = (o: Record<string, unknown>) => () => new AtDistiller(validated(o)).setup(distillerSetupFor(student, teacher));
    expect(bad({ stages: ['stage9'] })).toThrow(KdInputError);
    expect(bad({ stages: ['stage9'] })).toThrow(
      '/distiller/stages/0: "stage9" is not a stage of the student (cnn); expected one of stage1, stage2',
    );
    expect(bad({ stages: ['stage1', 'stage2'], teacherStages: ['stage1'] })).toThrow(
      /\/distiller\/teacherStages: got 1 stages; expected 2/,
    );
    expect(bad({ stages: ['stage1'], teacherStages: ['stage3'] })).toThrow(
      /\/distiller\/teacherStages\/0: "stage3" is not a stage of the teacher/,
    );
    expect(bad({ teacherStages: ['stage1'] })).toThrow(/set only together with \/distiller\/stages/);
    const d = new AtDistiller(validated({ stages: ['stage3'] }));
    expect(() => d.setup(distillerSetupFor(deep, teacher))).toThrow(
      /\/distiller\/stages\/0: "stage3" is not a stage of the teacher .*set \/distiller\/teacherStages/,
    );
  });

  it('trains the student through the attention term; the teacher gets no gradient; no tensors leak', () => {
    const d = new AtDistiller(validated({ ceWeight: 0, kdWeight: 0 }));
    d.setup(distillerSetupFor(student, teacher));
    expectStudentOnlyGradients(d, student, teacher, ['at', 'ce']);
  });
});
