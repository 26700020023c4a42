import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { container } from 'tsyringe';
import { KdInputError, type Network } from '@kd/core';
import { cnnPlugin } from '@kd/backbone-cnn';
import {
  describePluginConformance,
  relErr,
  tinyBackbone,
  validatedOptions,
  distillerSetupFor,
  expectStudentOnlyGradients,
} from '@kd/testing';
import * as pkg from './index.js';
import { channelMargin, OfdDistiller, ofdOptionsSchema, ofdPlugin, register, type OfdOptions } from './index.js';

describePluginConformance({
  plugin: ofdPlugin,
  register,
  module: pkg,
  packageDir: join(import.meta.dirname, '..'),
  defaults: { name: 'ofd', ofdWeight: 0.001, ceWeight: 1, stages: [], teacherStages: [], connectorKernelSize: 1 },
  invalid: [
    { name: 'ofd', ofdWeight: -1 },
    { name: 'ofd', ceWeight: 'one' },
    { name: 'ofd', connectorKernelSize: 2 },
    { name: 'ofd', stages: [''] },
    { name: 'ofd', feature: 'output' },
  ],
});

const validated = (options: Record<string, unknown>) => validatedOptions<OfdOptions>(ofdOptionsSchema, 'ofd', options);

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('OfdDistiller on real backbones', () => {
  let student: Network;
  let teacher: Network;
  beforeAll(async () => {
    student = await tinyBackbone(cnnPlugin, { name: 'cnn', channels: [4, 8] }, 'ofd-spec-student');
    teacher = await tinyBackbone(cnnPlugin, { name: 'cnn', channels: [6, 12] }, 'ofd-spec-teacher');
  });
  afterAll(() => {
    student.dispose();
    teacher.dispose();
  });

  it('taps the pre-activations and takes each margin from the teacher’s batch norm; a step trains the student, never the teacher, and leaks nothing', async () => {
    const gamma = teacher.stateVariables().find((v) => v.name === 'stage2_bn1/gamma')!.variable;
    const beta = teacher.stateVariables().find((v) => v.name === 'stage2_bn1/beta')!.variable;
    gamma.assign(tf.linspace(-1, 2, 12));
    beta.assign(tf.linspace(-0.5, 3, 12));
    const d = (await ofdPlugin.create(validated({}), { container, baseDir: '.' })) as OfdDistiller;
    d.setup(distillerSetupFor(student, teacher));
    expect(d.pairs).toEqual([
      { student: 'stage1_preact', teacher: 'stage1_preact' },
      { student: 'stage2_preact', teacher: 'stage2_preact' },
    ]);
    const g = gamma.dataSync();
    const b = beta.dataSync();
    expect(
      relErr(
        d.margins[1]!,
        Array.from(g, (x, i) => channelMargin(x, b[i]!)),
      ),
    ).toBeLessThan(1e-6);
    // fresh γ = 1, β = 0: E[x | x < 0] of N(0, 1)
    for (const m of d.margins[0]!) expect(m).toBeCloseTo(-Math.sqrt(2 / Math.PI), 5);
    expect(d.connectors!.pairs.map((p) => p.kernel.shape)).toEqual([
      [1, 1, 4, 6],
      [1, 1, 8, 12],
    ]);
    expect(d.extraModules()).toEqual([d.connectors]);
    expectStudentOnlyGradients(d, student, teacher, ['ce', 'ofd'], 3);
    d.dispose();
  });

  it('refuses a teacher without a batch norm before its ReLU, naming /teacher/backbone', async () => {
    const noBn = await tinyBackbone(cnnPlugin, { name: 'cnn', channels: [6, 12], batchNorm: false }, 'ofd-spec-nobn');
    const d = new OfdDistiller(validated({}));
    expect(() => d.setup(distillerSetupFor(student, noBn))).toThrow(KdInputError);
    expect(() => d.setup(distillerSetupFor(student, noBn))).toThrow(/^\/teacher\/backbone: .*stage1_preact/);
    noBn.dispose();
  });

  it('refuses a teacher map smaller than the student’s, naming the stage', () => {
    const d = new OfdDistiller(validated({ stages: ['stage1'], teacherStages: ['stage2'] }));
    expect(() => d.setup(distillerSetupFor(student, teacher))).toThrow(
      /\/distiller\/stages\/0: the teacher's "stage2_preact" is 14×14, smaller/,
    );
  });
});
