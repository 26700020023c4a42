import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { KdInputError, type Network } from '@kd/core';
import * as pkg from './index.js';
import { FitnetDistiller, fitnetOptionsSchema, fitnetPlugin, register, type FitnetOptions } from './index.js';
import { cnnPlugin } from '@kd/backbone-cnn';
import { describePluginConformance, tinyBackbone, validatedOptions, distillerSetupFor } from '@kd/testing';

const tinyCnn = (channels: number[], scope: string) => tinyBackbone(cnnPlugin, { name: 'cnn', channels }, scope);

const validated = (options: Record<string, unknown>) => validatedOptions<FitnetOptions>(fitnetOptionsSchema, 'fitnet', options);

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describePluginConformance({
  plugin: fitnetPlugin,
  register,
  module: pkg,
  exports: [
    'fitnetPlugin',
    'fitnetOptionsSchema',
    'fitnetLossTerms',
    'hintLoss',
    'HintRegressor',
    'regressorGeometry',
    'FitnetDistiller',
    'register',
  ],
  packageDir: join(import.meta.dirname, '..'),
  manifest: { kind: 'distiller', name: 'fitnet', version: '0.1.0', optionsSchema: fitnetOptionsSchema },
  // mdistiller's CIFAR-100 defaults
  defaults: {
    name: 'fitnet',
    hintWeight: 100,
    ceWeight: 1,
    kdWeight: 0,
    temperature: 4,
    hintStage: 'auto',
    teacherStage: 'auto',
    feature: 'output',
    kernelSize: 1,
    relu: true,
    hintEpochs: 0,
  },
  invalid: [
    { name: 'at' },
    { name: 'fitnet', hintWeight: -1 },
    { name: 'fitnet', kernelSize: 5 },
    { name: 'fitnet', hintEpochs: 1.5 },
    { name: 'fitnet', hintStage: '' },
    { name: 'fitnet', relu: 'yes' },
    { name: 'fitnet', hint_layer: 2 },
  ],
});

it('cites its paper', () => {
  expect(fitnetPlugin.manifest.paper?.url).toBe('https://arxiv.org/abs/1412.6550');
});

describe('FitnetDistiller on real backbones', () => {
  let student: Network;
  let teacher: Network;
  let deep: Network;
  beforeAll(async () => {
    student = await tinyCnn([4, 8, 8], 'fitnet-spec-student');
    teacher = await tinyCnn([6, 12], 'fitnet-spec-teacher');
    deep = await tinyCnn([6, 12, 16], 'fitnet-spec-deep');
  });
  afterAll(() => {
    for (const n of [student, teacher, deep]) n.dispose();
  });

  it('defaults to the middle student stage and the teacher stage of that name; builds the regressor from the Rng', () => {
    const d = new FitnetDistiller(validated({}));
    d.setup(distillerSetupFor(student, deep));
    expect(d.features).toEqual({ student: 'stage2', teacher: 'stage2' });
    expect(d.regressor!.geometry).toMatchObject({ mode: 'same', kernelShape: [1, 1, 8, 12], outputShape: [7, 7, 12] });
    expect(d.extraModules()).toEqual([d.regressor]);
    expect(d.stages()).toEqual([{ name: 'train' }]);
    const again = new FitnetDistiller(validated({}));
    again.setup(distillerSetupFor(student, deep));
    expect(Array.from(again.regressor!.kernel.dataSync())).toEqual(Array.from(d.regressor!.kernel.dataSync()));
    // a student map twice the teacher's: 3×3 stride-2 regressor; preact features are before the pooling
    const p = new FitnetDistiller(validated({ hintStage: 'stage1', teacherStage: 'stage1', feature: 'preact', relu: false }));
    p.setup(distillerSetupFor(student, deep));
    expect(p.features).toEqual({ student: 'stage1_preact', teacher: 'stage1_preact' });
    const q = new FitnetDistiller(validated({ hintStage: 'stage1', teacherStage: 'stage2' }));
    q.setup(distillerSetupFor(student, deep));
    expect(q.regressor!.geometry.mode).toBe('down2');
    for (const x of [d, again, p, q]) x.dispose();
  });

  it('declares the paper’s two stages when hintEpochs > 0', () => {
    const d = new FitnetDistiller(validated({ hintEpochs: 2 }));
    d.setup(distillerSetupFor(student, deep));
    expect(d.stages()).toEqual([
      { name: 'hint', epochs: 2, trains: ['fitnet-spec-student', 'regressor'] },
      { name: 'distill', trains: ['fitnet-spec-student'] },
    ]);
    d.dispose();
  });

  it('names the option, the value and what was expected on bad stages', () => {
    const bad =
      (o: Record<string, unknown>, t = teacher) =>
      () =>
        new FitnetDistiller(validated(o)).setup(distillerSetupFor(student, t));
    expect(bad({ hintStage: 'stage9' })).toThrow(KdInputError);
    expect(bad({ hintStage: 'stage9' })).toThrow(
      '/distiller/hintStage: "stage9" is not a stage of the student (cnn); expected "auto" or one of stage1, stage2, stage3',
    );
    expect(bad({ hintStage: 'stage3' })).toThrow(
      /\/distiller\/teacherStage: "stage3" is not a stage of the teacher .*"auto" takes the student's hint stage name/,
    );
    // 3×3 student map onto a 14×14 teacher map: no regressor geometry
    expect(bad({ hintStage: 'stage3', teacherStage: 'stage1' }, deep)).toThrow(
      /\/distiller\/hintStage: the student hint feature is \[3,3,8\] and the teacher's \[14,14,6\]/,
    );
  });

  it('gives gradient to the student and the regressor, none to the teacher; no tensors leak', () => {
    const d = new FitnetDistiller(validated({ ceWeight: 0 }));
    d.setup(distillerSetupFor(student, deep));
    const x = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 2) as tf.Tensor4D;
    const y = tf.tensor1d([0, 1, 2, 3], 'int32');
    const info = { epoch: 0, epochs: 1, step: 0, globalStep: 0, stage: 'train', numClasses: 10, labels: y };
    const before = tf.memory().numTensors;
    for (let i = 0; i < 2; i++) {
      tf.tidy(() => {
        const vars = [...student.trainableVariables(), ...d.regressor!.trainableVariables(), ...deep.trainableVariables()];
        const { grads } = tf.variableGrads(() => {
          const t = deep.apply(x, { training: false });
          const s = student.apply(x, { training: true });
          const r = d.computeLoss({ ...info, student: s, teacher: t });
          expect(Object.keys(r.terms).sort()).toEqual(['ce', 'hint']);
          return r.total;
        }, vars);
        const nonzero = (v: tf.Variable) => grads[v.name] !== undefined && tf.max(tf.abs(grads[v.name]!)).dataSync()[0]! > 0;
        expect(nonzero(d.regressor!.kernel)).toBe(true);
        expect(nonzero(d.regressor!.gamma)).toBe(true);
        expect(student.trainableVariables().some(nonzero)).toBe(true);
        for (const v of deep.trainableVariables()) if (grads[v.name]) expect(tf.max(tf.abs(grads[v.name]!)).dataSync()[0], v.name).toBe(0);
      });
      expect(tf.memory().numTensors).toBe(before);
    }
    tf.dispose([x, y]);
    d.dispose();
  });
});
