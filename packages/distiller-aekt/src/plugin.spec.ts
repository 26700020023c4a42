import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core alone registers no gradients; the runtime (like @tensorflow/tfjs) imports them once.
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { container } from 'tsyringe';
import { KdInputError, RunEvents, compilePluginSchema, type Distiller, type DistillerSetup, type FactoryContext } from '@kd/core';
import { describePluginConformance, logitLossInputs, readPackageJson, strictAjv, validatedOptions } from '@kd/testing';
import * as pkg from './index.js';
import {
  AEKT_SERIALIZATION_FILE,
  SerializationLayer,
  aektLossTerms,
  aektOptionsSchema,
  aektPlugin,
  register,
  type AektOptions,
} from './index.js';

const context: FactoryContext = { container: container.createChildContainer(), baseDir: '.' };

const validated = (options: Record<string, unknown> = {}) => validatedOptions<AektOptions>(aektOptionsSchema, 'aekt', options);

const lossInputs = (student: tf.Tensor2D, teacher: tf.Tensor2D | undefined, labels: tf.Tensor1D, epoch = 30) =>
  logitLossInputs(student, teacher, labels, { epoch, epochs: 240, step: 3, globalStep: epoch * 10 + 3 });

/** The parts of DistillerSetup the aekt distiller reads. */
function fakeSetup(numClasses: number, events: RunEvents, runDir: string): DistillerSetup {
  return { numClasses, events, runDir } as unknown as DistillerSetup;
}

const tempDirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'kd-aekt-'));
  tempDirs.push(d);
  return d;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

afterAll(() => {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

describePluginConformance({
  plugin: aektPlugin,
  register,
  module: pkg,
  exports: [
    'aektPlugin',
    'aektOptionsSchema',
    'aektLoss',
    'aektLossTerms',
    'aektRatio',
    'createAektDistiller',
    'register',
    'SerializationLayer',
    'serializeLogits',
    'AEKT_LOSS_DEFAULTS',
  ],
  packageDir: join(import.meta.dirname, '..'),
  manifest: {
    kind: 'distiller',
    name: 'aekt',
    apiVersion: 1,
    title: 'Adaptive explicit knowledge transfer',
    paper: {
      title: 'Adaptive Explicit Knowledge Transfer for Knowledge Distillation',
      authors: 'Park, Lee',
      year: 2024,
      url: 'https://arxiv.org/abs/2409.01679',
    },
    optionsSchema: aektOptionsSchema,
  },
  minDescriptionLength: 11,
  defaults: {
    name: 'aekt',
    gamma: 1,
    beta: 8,
    temperature: 4,
    ceWeight: 1,
    warmupEpochs: 20,
    warmupUnit: 'epoch',
    ratioClip: [0.1, 10],
    explicitForm: 'weightedTCKD',
    adaptive: true,
    ratioNormalization: 'batchMean',
    serialization: false,
    serialOrder: 'cls->kd',
  },
  invalid: [
    {},
    { name: 'dkd' },
    { name: 'aekt', temperature: 0 },
    { name: 'aekt', gamma: -1 },
    { name: 'aekt', ratioClip: [0.1] },
    { name: 'aekt', ratioClip: [0.1, 10, 20] },
    { name: 'aekt', ratioClip: [-1, 10] },
    { name: 'aekt', ratioClip: [0, 0] },
    { name: 'aekt', explicitForm: 'tckd' },
    { name: 'aekt', adaptive: 'yes' },
    { name: 'aekt', serialOrder: 'both' },
    { name: 'aekt', warmupEpochs: 1.5 },
    { name: 'aekt', warmupUnit: 'batch' },
    { name: 'aekt', alpha: 1 },
  ],
});

describe('aekt package and options beyond conformance', () => {
  it('builds on the dkd package', () => {
    expect(readPackageJson(join(import.meta.dirname, '..'))).toMatchObject({ dependencies: { '@kd/distiller-dkd': '^0.1.0' } });
  });

  it('compiles with core’s validator', () => {
    expect(() => compilePluginSchema(aektPlugin.manifest)).not.toThrow();
  });

  it('gives fresh copies of the defaults: mutating one config does not change the next', () => {
    const validate = strictAjv().compile(aektOptionsSchema);
    const config: Record<string, unknown> = { name: 'aekt' };
    expect(validate(config)).toBe(true);
    (config['ratioClip'] as number[])[0] = 5;
    const again: Record<string, unknown> = { name: 'aekt' };
    validate(again);
    expect(again['ratioClip']).toEqual([0.1, 10]);
  });
});

describe('aektPlugin.create', () => {
  it('serialOrder "kd->cls" keeps the layer as the student\'s head, and needs serialization', async () => {
    expect(() => aektPlugin.create(validated({ serialOrder: 'kd->cls', serialization: false }), context)).toThrow(KdInputError);
    expect(() => aektPlugin.create(validated({ serialOrder: 'kd->cls', serialization: false }), context)).toThrow(
      /\/distiller\/serialOrder: "kd->cls" .*needs serialization: true/,
    );
    const kdCls = (await aektPlugin.create(validated({ serialOrder: 'kd->cls', serialization: true }), context)) as Distiller;
    await kdCls.setup!(fakeSetup(4, new RunEvents(), tempDir()));
    expect(kdCls.studentHead!()?.name).toBe('serialization');
    expect(kdCls.studentHead!()).toBe(kdCls.extraModules!()[0]);
    const clsKd = (await aektPlugin.create(validated(), context)) as Distiller;
    await clsKd.setup!(fakeSetup(4, new RunEvents(), tempDir()));
    expect(clsKd.studentHead!()).toBeUndefined();
    // In kd->cls the CE is taken on FC_ser(z): with a layer that swaps two classes, CE changes, distillation does not.
    const swap = kdCls.extraModules!()[0] as SerializationLayer;
    tf.tidy(() =>
      swap.weight.assign(
        tf.tensor2d([
          [0, 1, 0, 0],
          [1, 0, 0, 0],
          [0, 0, 1, 0],
          [0, 0, 0, 1],
        ]),
      ),
    );
    const s = tf.tensor2d([[3, 0, 0, 0]]);
    const t = tf.tensor2d([[3, 0, 0, 0]]);
    const y = tf.tensor1d([0], 'int32');
    const inputs = (d: Distiller) =>
      tf.tidy(() => {
        const out = d.computeLoss!({
          student: { logits: s, embedding: s, features: {} },
          teacher: { logits: t, embedding: t, features: {} },
          labels: y,
          numClasses: 4,
          epoch: 30,
          epochs: 40,
          step: 0,
          globalStep: 0,
          stage: 'train',
        } as never);
        return [out.terms['ce']!.dataSync()[0]!, out.terms['nckd']!.dataSync()[0]!];
      });
    const [ceSwapped, nckdSwapped] = inputs(kdCls);
    const [cePlain, nckdPlain] = inputs(clsKd);
    expect(ceSwapped).toBeGreaterThan(cePlain + 1); // label 0 now scores 0 instead of 3
    expect(nckdSwapped).toBeCloseTo(nckdPlain, 6); // distillation uses the raw logits, identical here
    for (const x of [s, t, y]) x.dispose();
    kdCls.dispose!();
    clsKd.dispose!();
  });

  it('rejects an inverted ratioClip and a bad warmupEpochs', () => {
    expect(() => aektPlugin.create(validated({ ratioClip: [10, 0.1] }), context)).toThrow(KdInputError);
    expect(() => aektPlugin.create(validated({ ratioClip: [10, 0.1] }), context)).toThrow(/ratioClip/);
    expect(() => aektPlugin.create({ ...validated(), warmupEpochs: -2 }, context)).toThrow(/warmupEpochs/);
  });

  it('extraModules exposes the "serialization" layer with stable state names; serialization false has none', async () => {
    const d = (await aektPlugin.create(validated({ serialization: true }), context)) as Distiller;
    expect(d.usesTeacher).toBe(true);
    expect(d.trainStep).toBeUndefined();
    expect(d.extraModules!()).toEqual([]); // before setup
    await d.setup!(fakeSetup(5, new RunEvents(), tempDir()));
    const modules = d.extraModules!();
    expect(modules.map((m) => m.name)).toEqual(['serialization']);
    const layer = modules[0] as SerializationLayer;
    expect(layer.stateVariables().map((v) => v.name)).toEqual(['weight', 'bias']);
    expect(
      d.extraModules!()[0]!
        .stateVariables()
        .map((v) => v.name),
    ).toEqual(['weight', 'bias']);
    expect(layer.trainableVariables()).toEqual([layer.weight, layer.bias]);
    expect(layer.weight.shape).toEqual([5, 5]);
    expect(layer.weightMatrix()).toEqual([0, 1, 2, 3, 4].map((i) => [0, 1, 2, 3, 4].map((j) => (i === j ? 1 : 0))));
    expect(layer.biasVector()).toEqual([0, 0, 0, 0, 0]);
    d.dispose!();
    expect(layer.weight.isDisposed).toBe(true);

    const plain = (await aektPlugin.create(validated({ serialization: false }), context)) as Distiller;
    await plain.setup!(fakeSetup(5, new RunEvents(), tempDir()));
    expect(plain.extraModules!()).toEqual([]);
    plain.dispose!();
  });

  it('computeLoss returns total and the ce, explicit, nckd, ratio and clipRate terms; gradients reach the layer', async () => {
    const d = (await aektPlugin.create(validated({ beta: 2, explicitForm: 'softTargetCE', serialization: true }), context)) as Distiller;
    await d.setup!(fakeSetup(10, new RunEvents(), tempDir()));
    const layer = d.extraModules!()[0] as SerializationLayer;
    tf.tidy(() => layer.weight.assign(tf.add(tf.eye(10), tf.randomNormal([10, 10], 0, 0.1, 'float32', 3))));
    const s = tf.randomNormal([6, 10], 0, 3, 'float32', 1) as tf.Tensor2D;
    const t = tf.randomNormal([6, 10], 0, 3, 'float32', 2) as tf.Tensor2D;
    const y = tf.tensor1d([0, 1, 2, 3, 4, 5], 'int32');
    tf.tidy(() => {
      const out = d.computeLoss!(lossInputs(s, t, y, 4)); // epoch 4 of a 20-epoch warm-up: factor 0.25
      expect(Object.keys(out.terms).sort()).toEqual(['ce', 'clipRate', 'explicit', 'nckd', 'ratio']);
      const ref = aektLossTerms(s, layer.apply(s), t, y, { beta: 2, explicitForm: 'softTargetCE', warmupFactor: 0.25 });
      expect(out.total.dataSync()[0]).toBe(ref.total.dataSync()[0]);
      expect(out.terms['explicit']!.dataSync()[0]).toBe(ref.explicit.dataSync()[0]);
      expect(out.terms['ratio']!.dataSync()[0]).toBe(ref.ratioMean.dataSync()[0]);
      expect(out.terms['clipRate']!.dataSync()[0]).toBe(ref.clipRate.dataSync()[0]);
    });
    // as the engine does: differentiate total w.r.t. the trained variables (here the extra module's)
    const { value, grads } = tf.variableGrads(() => d.computeLoss!(lossInputs(s, t, y)).total, layer.trainableVariables());
    expect(Object.keys(grads).sort()).toEqual([layer.weight.name, layer.bias.name].sort());
    expect(tf.tidy(() => tf.max(tf.abs(grads[layer.weight.name]!)).dataSync()[0]!)).toBeGreaterThan(0);
    tf.dispose([value, ...Object.values(grads)]);

    // no leaks: computeLoss returns total + 5 terms, nothing else survives
    const before = tf.memory().numTensors;
    const out = d.computeLoss!(lossInputs(s, t, y, 3));
    expect(tf.memory().numTensors).toBe(before + 6);
    tf.dispose([out.total, ...Object.values(out.terms)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.tidy(() => {
      expect(() => d.computeLoss!(lossInputs(s, undefined, y))).toThrow(/teacher/);
    });
    d.dispose!();
    d.dispose!(); // idempotent
    expect(tf.memory().numTensors).toBe(before - 2);
    tf.dispose([s, t, y]);
  });

  it('without serialization the loss is computed on the student logits alone', async () => {
    const d = (await aektPlugin.create(validated({ serialization: false, warmupEpochs: 0 }), context)) as Distiller;
    await d.setup!(fakeSetup(4, new RunEvents(), tempDir()));
    tf.tidy(() => {
      const s = tf.randomNormal([3, 4], 0, 2, 'float32', 5) as tf.Tensor2D;
      const t = tf.randomNormal([3, 4], 0, 2, 'float32', 6) as tf.Tensor2D;
      const y = tf.tensor1d([0, 1, 2], 'int32');
      expect(d.computeLoss!(lossInputs(s, t, y, 0)).total.dataSync()[0]).toBe(aektLossTerms(s, s, t, y).total.dataSync()[0]);
    });
    d.dispose!();
  });

  it('writes the learned matrix to <runDir>/artifacts/aekt-serialization.json atomically on runEnd', async () => {
    const runDir = tempDir();
    const events = new RunEvents();
    const d = (await aektPlugin.create(validated({ serialization: true }), context)) as Distiller;
    await d.setup!(fakeSetup(3, events, runDir));
    const layer = d.extraModules!()[0] as SerializationLayer;
    const weight = [
      [1, 0.5, -0.25],
      [0, 2, 0],
      [0.125, 0, 1],
    ];
    tf.tidy(() => {
      layer.weight.assign(tf.tensor2d(weight));
      layer.bias.assign(tf.tensor1d([0.5, -1, 0]));
    });
    const file = join(runDir, AEKT_SERIALIZATION_FILE);
    expect(existsSync(file)).toBe(false); // nothing before the run ends
    await events.emit('runEnd', { runDir, final: {} });
    const json = JSON.parse(readFileSync(file, 'utf8'));
    expect(json).toEqual({ classes: 3, weight, bias: [0.5, -1, 0] });
    expect(readdirSync(join(runDir, 'artifacts'))).toEqual(['aekt-serialization.json']); // no temporary file left behind
    d.dispose!();
    await events.emit('runEnd', { runDir, final: {} }); // after dispose: no crash, file unchanged
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(json);
  });
});
