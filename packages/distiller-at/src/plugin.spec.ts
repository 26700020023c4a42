import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { container } from 'tsyringe';
import { API_VERSION, KdInputError, RunEvents, Rng, type Network } from '@kd/core';
import * as pkg from './index.js';
import { AtDistiller, atOptionsSchema, atPlugin, register, type AtOptions } from './index.js';
import { cnnPlugin } from '@kd/backbone-cnn';
import {
  expectManifestMatchesPackageJson,
  expectNamedExportsOnly,
  expectRegistersExplicitly,
  expectStrictSchemaWithDefaults,
  strictAjv,
  tinyBackbone,
} from '@kd/testing';

const tinyCnn = (channels: number[], scope: string) => tinyBackbone(cnnPlugin, { name: 'cnn', channels }, scope);

function validated(options: Record<string, unknown>): AtOptions {
  const config = { name: 'at', ...options };
  const validate = strictAjv().compile(atOptionsSchema);
  expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
  return config as unknown as AtOptions;
}

function setupOf(student: Network, teacher: Network) {
  return {
    student,
    teacher,
    numClasses: 10,
    rng: new Rng(1),
    createNetwork: () => Promise.reject(new Error('unused')),
    events: new RunEvents(),
    runDir: '.',
  };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('package exports and registration', () => {
  it('has named exports only', () => {
    expectNamedExportsOnly(pkg, [
      'atPlugin',
      'atOptionsSchema',
      'atLoss',
      'atLossTerms',
      'atStageLoss',
      'attentionMap',
      'AtDistiller',
      'register',
    ]);
  });

  it('register(container) makes the plugin discoverable; the manifest agrees with package.json', () => {
    expectRegistersExplicitly(atPlugin, register);
    expectManifestMatchesPackageJson(atPlugin, join(import.meta.dirname, '..'));
    const m = atPlugin.manifest;
    expect([m.kind, m.name, m.version, m.apiVersion]).toEqual(['distiller', 'at', '0.1.0', API_VERSION]);
    expect(m.paper?.url).toBe('https://arxiv.org/abs/1612.03928');
  });
});

describe('atOptionsSchema', () => {
  it('compiles strictly; every property has a description and every optional one a default', () => {
    expect(atPlugin.manifest.optionsSchema).toBe(atOptionsSchema);
    expectStrictSchemaWithDefaults(atPlugin);
  });

  it('applies mdistiller’s CIFAR-100 defaults', () => {
    expect(validated({})).toEqual({
      name: 'at',
      beta: 1000,
      p: 2,
      ceWeight: 1,
      kdWeight: 0,
      temperature: 4,
      stages: [],
      teacherStages: [],
      feature: 'output',
    });
  });

  it.each([
    [{ name: 'kd' }],
    [{ name: 'at', beta: -1 }],
    [{ name: 'at', p: 0.5 }],
    [{ name: 'at', temperature: 0 }],
    [{ name: 'at', stages: 'stage1' }],
    [{ name: 'at', stages: [''] }],
    [{ name: 'at', feature: 'pre' }],
    [{ name: 'at', betta: 1000 }],
  ])('rejects %j', (config) => {
    expect(strictAjv().compile(atOptionsSchema)(config)).toBe(false);
  });
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
    d.setup(setupOf(student, deep));
    expect(d.pairs).toEqual([
      { student: 'stage1', teacher: 'stage1' },
      { student: 'stage2', teacher: 'stage2' },
    ]);
    const e = new AtDistiller(validated({ stages: ['stage2'], teacherStages: ['stage3'], feature: 'preact' }));
    e.setup(setupOf(student, deep));
    expect(e.pairs).toEqual([{ student: 'stage2_preact', teacher: 'stage3_preact' }]);
  });

  it('names the option, the value and what was expected when a stage does not exist', () => {
    const bad = (o: Record<string, unknown>) => () => new AtDistiller(validated(o)).setup(setupOf(student, teacher));
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
    expect(() => d.setup(setupOf(deep, teacher))).toThrow(
      /\/distiller\/stages\/0: "stage3" is not a stage of the teacher .*set \/distiller\/teacherStages/,
    );
  });

  it('trains the student through the attention term; the teacher gets no gradient; no tensors leak', () => {
    const d = new AtDistiller(validated({ ceWeight: 0, kdWeight: 0 }));
    d.setup(setupOf(student, teacher));
    const x = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    const y = tf.tensor1d([0, 1, 2, 3], 'int32');
    const info = { epoch: 0, epochs: 1, step: 0, globalStep: 0, stage: 'train', numClasses: 10, labels: y };
    const before = tf.memory().numTensors;
    for (let i = 0; i < 2; i++) {
      tf.tidy(() => {
        const vars = [...student.trainableVariables(), ...teacher.trainableVariables()];
        const { value, grads } = tf.variableGrads(() => {
          const t = teacher.apply(x, { training: false });
          const s = student.apply(x, { training: true });
          const r = d.computeLoss({ ...info, student: s, teacher: t });
          expect(Object.keys(r.terms).sort()).toEqual(['at', 'ce']);
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
