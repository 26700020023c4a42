import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { container } from 'tsyringe';
import { KdInputError, type Network } from '@kd/core';
import { cnnPlugin } from '@kd/backbone-cnn';
import { describePluginConformance, tinyBackbone, validatedOptions, distillerSetupFor, expectStudentOnlyGradients } from '@kd/testing';
import * as pkg from './index.js';
import { NstDistiller, nstOptionsSchema, nstPlugin, register, type NstOptions } from './index.js';

describePluginConformance({
  plugin: nstPlugin,
  register,
  module: pkg,
  packageDir: join(import.meta.dirname, '..'),
  defaults: { name: 'nst', beta: 50, ceWeight: 1, degree: 2, c: 0, stages: [], teacherStages: [], feature: 'output' },
  invalid: [
    { name: 'at' },
    { name: 'nst', beta: -1 },
    { name: 'nst', degree: 1.5 },
    { name: 'nst', degree: 0 },
    { name: 'nst', c: -1 },
    { name: 'nst', stages: 'stage1' },
    { name: 'nst', stages: [''] },
    { name: 'nst', feature: 'pre' },
    { name: 'nst', betta: 50 },
  ],
});

const tinyCnn = (channels: number[], scope: string) => tinyBackbone(cnnPlugin, { name: 'cnn', channels }, scope);

const validated = (options: Record<string, unknown>) => validatedOptions<NstOptions>(nstOptionsSchema, 'nst', options);

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('NstDistiller on real backbones', () => {
  let student: Network;
  let teacher: Network;
  let deep: Network;
  beforeAll(async () => {
    student = await tinyCnn([4, 8], 'nst-spec-student');
    teacher = await tinyCnn([6, 12], 'nst-spec-teacher');
    deep = await tinyCnn([6, 12, 16], 'nst-spec-deep');
  });
  afterAll(() => {
    for (const n of [student, teacher, deep]) n.dispose();
  });

  it('pairs every shared stage by default, or the stages chosen, with preact features on request', async () => {
    const d = (await nstPlugin.create(validated({}), { container, baseDir: '.' })) as NstDistiller;
    d.setup(distillerSetupFor(student, deep));
    expect(d.pairs).toEqual([
      { student: 'stage1', teacher: 'stage1' },
      { student: 'stage2', teacher: 'stage2' },
    ]);
    const e = new NstDistiller(validated({ stages: ['stage2'], teacherStages: ['stage3'], feature: 'preact' }));
    e.setup(distillerSetupFor(student, deep));
    expect(e.pairs).toEqual([{ student: 'stage2_preact', teacher: 'stage3_preact' }]);
  });

  it('names the option and the valid stages when a stage does not exist', () => {
    const bad = (o: Record<string, unknown>) => () => new NstDistiller(validated(o)).setup(distillerSetupFor(student, teacher));
    expect(bad({ stages: ['stage9'] })).toThrow(KdInputError);
    expect(bad({ stages: ['stage9'] })).toThrow(
      '/distiller/stages/0: "stage9" is not a stage of the student (cnn); expected one of stage1, stage2',
    );
    expect(bad({ stages: ['stage1'], teacherStages: ['stage3'] })).toThrow(
      /\/distiller\/teacherStages\/0: "stage3" is not a stage of the teacher/,
    );
  });

  it('trains the student through the NST term; the teacher gets no gradient; no tensors leak', () => {
    const d = new NstDistiller(validated({ ceWeight: 0 }));
    d.setup(distillerSetupFor(student, teacher));
    expectStudentOnlyGradients(d, student, teacher, ['ce', 'nst']);
  });
});
