import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { container } from 'tsyringe';
import { KdInputError, type Network } from '@kd/core';
import { cnnPlugin } from '@kd/backbone-cnn';
import { describePluginConformance, tinyBackbone, validatedOptions, distillerSetupFor, expectStudentOnlyGradients } from '@kd/testing';
import { kdsvdDefaults } from '../test/defaults.js';
import * as pkg from './index.js';
import { KdsvdDistiller, kdsvdOptionsSchema, kdsvdPlugin, register, type KdsvdOptions } from './index.js';

describePluginConformance({
  plugin: kdsvdPlugin,
  register,
  module: pkg,
  packageDir: join(import.meta.dirname, '..'),
  defaults: kdsvdDefaults,
  invalid: [
    { name: 'nst' },
    { name: 'kdsvd', beta: -1 },
    { name: 'kdsvd', k: 0 },
    { name: 'kdsvd', k: 1.5 },
    { name: 'kdsvd', extraCandidates: -1 },
    { name: 'kdsvd', vectorsOver: 'height' },
    { name: 'kdsvd', stages: [''] },
    { name: 'kdsvd', feature: 'pre' },
    { name: 'kdsvd', K: 1 },
  ],
});

const tinyCnn = (channels: number[], scope: string) => tinyBackbone(cnnPlugin, { name: 'cnn', channels }, scope);

const validated = (options: Record<string, unknown>) => validatedOptions<KdsvdOptions>(kdsvdOptionsSchema, 'kdsvd', options);

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('KdsvdDistiller on real backbones', () => {
  let student: Network;
  let teacher: Network;
  let deep: Network;
  beforeAll(async () => {
    student = await tinyCnn([4, 8], 'kdsvd-spec-student');
    teacher = await tinyCnn([6, 12], 'kdsvd-spec-teacher');
    deep = await tinyCnn([6, 12, 16], 'kdsvd-spec-deep');
  });
  afterAll(() => {
    for (const n of [student, teacher, deep]) n.dispose();
  });

  it('pairs every shared stage by default, or the stages chosen, with preact features on request', async () => {
    const d = (await kdsvdPlugin.create(validated({}), { container, baseDir: '.' })) as KdsvdDistiller;
    d.setup(distillerSetupFor(student, deep));
    expect(d.pairs).toEqual([
      { student: 'stage1', teacher: 'stage1' },
      { student: 'stage2', teacher: 'stage2' },
    ]);
    const e = new KdsvdDistiller(validated({ stages: ['stage1', 'stage2'], feature: 'preact' }));
    e.setup(distillerSetupFor(student, deep));
    expect(e.pairs).toEqual([
      { student: 'stage1_preact', teacher: 'stage1_preact' },
      { student: 'stage2_preact', teacher: 'stage2_preact' },
    ]);
  });

  it('names the option and the valid stages when a stage does not exist', () => {
    const bad = (o: Record<string, unknown>) => () => new KdsvdDistiller(validated(o)).setup(distillerSetupFor(student, teacher));
    expect(bad({ stages: ['stage9'] })).toThrow(KdInputError);
    expect(bad({ stages: ['stage9'] })).toThrow(
      '/distiller/stages/0: "stage9" is not a stage of the student (cnn); expected one of stage1, stage2',
    );
    expect(bad({ stages: ['stage1'], teacherStages: ['stage3'] })).toThrow(
      /\/distiller\/teacherStages\/0: "stage3" is not a stage of the teacher/,
    );
    expect(bad({ stages: ['stage2'] })).toThrow(
      '/distiller/stages: KD-SVD relates consecutive stages and needs at least 2 pairs; got 1 (stage2)',
    );
    // stage1 (14×14) against the deep teacher's stage2 (7×7): the widths differ
    expect(() =>
      new KdsvdDistiller(validated({ stages: ['stage1', 'stage2'], teacherStages: ['stage2', 'stage3'] })).setup(
        distillerSetupFor(student, deep),
      ),
    ).toThrow(/\/distiller\/stages\/0: with vectorsOver "width" the student's stage1 .* need the same width/);
    expect(() => new KdsvdDistiller(validated({ vectorsOver: 'channels' })).setup(distillerSetupFor(student, teacher))).toThrow(
      /\/distiller\/stages: with vectorsOver "channels" .* need the same channel count/,
    );
    expect(() => new KdsvdDistiller(validated({ k: 40 })).setup(distillerSetupFor(student, teacher))).toThrow(
      /\/distiller\/k: 40 singular vectors/,
    );
  });

  it('trains the student through the KD-SVD term; the teacher gets no gradient; no tensors leak', () => {
    const d = new KdsvdDistiller(validated({ ceWeight: 0 }));
    d.setup(distillerSetupFor(student, teacher));
    expectStudentOnlyGradients(d, student, teacher, ['ce', 'kdsvd']);
  });
});
