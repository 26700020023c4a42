import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core alone registers no gradients; the runtime (like @tensorflow/tfjs) imports them once.
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { container } from 'tsyringe';
import type { FactoryContext } from '@kd/core';
import { describeLogitDistiller, describePluginConformance, logitLossInputs, strictAjv, validatedOptions } from '@kd/testing';
import * as pkg from './index.js';
import {
  DKD_DEFAULT_WARMUP_EPOCHS,
  DKD_LOSS_DEFAULTS,
  dkdLossTerms,
  dkdOptionsSchema,
  dkdPlugin,
  dkdWarmupFactor,
  register,
  type DkdOptions,
} from './index.js';

const context: FactoryContext = { container: container.createChildContainer(), baseDir: '.' };

// A step in the middle of a CIFAR-100 run (240 epochs, 10 batches an epoch), at `epoch`.
const loop = (epoch: number) => ({ epoch, epochs: 240, step: 3, globalStep: epoch * 10 + 3 });

const lossInputs = (student: tf.Tensor2D, teacher: tf.Tensor2D | undefined, labels: tf.Tensor1D, epoch = 0) =>
  logitLossInputs(student, teacher, labels, loop(epoch));

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describePluginConformance({
  plugin: dkdPlugin,
  register,
  module: pkg,
  exports: [
    'dkdPlugin',
    'dkdOptionsSchema',
    'dkdLoss',
    'dkdLossTerms',
    'decomposeKl',
    'createDkdDistiller',
    'dkdWarmupFactor',
    'register',
    'DKD_LOSS_DEFAULTS',
    'DKD_DEFAULT_WARMUP_EPOCHS',
  ],
  packageDir: join(import.meta.dirname, '..'),
  manifest: {
    kind: 'distiller',
    name: 'dkd',
    version: '0.1.0',
    title: 'Decoupled knowledge distillation',
    paper: {
      title: 'Decoupled Knowledge Distillation',
      authors: 'Zhao, Cui, Song, Qiu, Liang',
      year: 2022,
      url: 'https://arxiv.org/abs/2203.08679',
    },
    optionsSchema: dkdOptionsSchema,
  },
  minDescriptionLength: 11,
  // mdistiller CIFAR-100: α 1, β 8, τ 4, CE 1, 20 warm-up epochs
  defaults: { name: 'dkd', alpha: 1, beta: 8, temperature: 4, ceWeight: 1, warmupEpochs: 20, warmupUnit: 'epoch' },
  invalid: [
    {},
    { name: 'kd' },
    { name: 'dkd', temperature: 0 },
    { name: 'dkd', temperature: -1 },
    { name: 'dkd', alpha: -0.1 },
    { name: 'dkd', beta: '8' },
    { name: 'dkd', ceWeight: -1 },
    { name: 'dkd', warmupEpochs: 2.5 },
    { name: 'dkd', warmupEpochs: 2.5, warmupUnit: 'epoch' },
    { name: 'dkd', warmupUnit: 'batch' },
    { name: 'dkd', warmupEpochs: -0.5, warmupUnit: 'step' },
    { name: 'dkd', warmupEpochs: -1 },
    { name: 'dkd', warmupFactor: 0.5 },
    { name: 'dkd', temprature: 4 },
  ],
});

describe('dkdOptionsSchema', () => {
  it('takes its defaults from the loss defaults; applies them under the options given', () => {
    const validate = strictAjv().compile(dkdOptionsSchema);
    const config: Record<string, unknown> = { name: 'dkd' };
    expect(validate(config)).toBe(true);
    const { warmupFactor: _unused, ...lossDefaults } = DKD_LOSS_DEFAULTS;
    expect(config).toEqual({ name: 'dkd', ...lossDefaults, warmupEpochs: DKD_DEFAULT_WARMUP_EPOCHS, warmupUnit: 'epoch' });
    const partial: Record<string, unknown> = { name: 'dkd', beta: 2, warmupEpochs: 0 };
    expect(validate(partial)).toBe(true);
    expect(partial).toEqual({ name: 'dkd', alpha: 1, beta: 2, temperature: 4, ceWeight: 1, warmupEpochs: 0, warmupUnit: 'epoch' });
    const stepwise: Record<string, unknown> = { name: 'dkd', warmupEpochs: 0.2, warmupUnit: 'step' };
    expect(validate(stepwise)).toBe(true);
  });

  it('works as a branch of a discriminated union (as core composes the pipeline schema)', () => {
    const ajv = new Ajv2020({ strict: true, useDefaults: true, discriminator: true, allErrors: true });
    ajv.addSchema({ ...dkdOptionsSchema, $id: 'kd:distiller/dkd' });
    const validate = ajv.compile({
      type: 'object',
      required: ['name'],
      properties: { name: { enum: ['dkd'] } },
      discriminator: { propertyName: 'name' },
      oneOf: [{ $ref: 'kd:distiller/dkd' }],
    });
    const config: Record<string, unknown> = { name: 'dkd', beta: 6 };
    expect(validate(config)).toBe(true);
    expect(config['temperature']).toBe(4);
    expect(config['beta']).toBe(6);
    expect(config['warmupEpochs']).toBe(20);
  });
});

describe('dkdWarmupFactor (mdistiller: min(epoch / warmup, 1), epoch counted from 1)', () => {
  it('ramps linearly from 1/warmupEpochs in the first epoch to 1 at epoch warmupEpochs − 1 (0-based)', () => {
    expect(dkdWarmupFactor(0, 20)).toBeCloseTo(0.05, 15);
    expect(dkdWarmupFactor(9, 20)).toBeCloseTo(0.5, 15);
    expect(dkdWarmupFactor(18, 20)).toBeCloseTo(0.95, 15);
    expect(dkdWarmupFactor(19, 20)).toBe(1);
    expect(dkdWarmupFactor(25, 20)).toBe(1);
    expect(dkdWarmupFactor(239, 20)).toBe(1);
    // ImageNet: warm-up 1 ⇒ full weight from the first epoch
    expect(dkdWarmupFactor(0, 1)).toBe(1);
  });

  it('per step: the same line, advanced after every batch, fractional lengths allowed', () => {
    // 10 batches an epoch, warm-up over 2 epochs: batch k of epoch e (0-based) has factor (e + (k + 1)/10) / 2.
    expect(dkdWarmupFactor(0, 2, { unit: 'step', step: 0, stepsPerEpoch: 10 })).toBeCloseTo(0.05, 15);
    expect(dkdWarmupFactor(0, 2, { unit: 'step', step: 9, stepsPerEpoch: 10 })).toBeCloseTo(0.5, 15);
    expect(dkdWarmupFactor(1, 2, { unit: 'step', step: 4, stepsPerEpoch: 10 })).toBeCloseTo(0.75, 15);
    expect(dkdWarmupFactor(1, 2, { unit: 'step', step: 9, stepsPerEpoch: 10 })).toBe(1);
    // A fifth of a 1-epoch run of 938 batches: full weight from batch 187 (0-based) on.
    expect(dkdWarmupFactor(0, 0.2, { unit: 'step', step: 92, stepsPerEpoch: 938 })).toBeCloseTo(93 / 938 / 0.2, 12);
    expect(dkdWarmupFactor(0, 0.2, { unit: 'step', step: 187, stepsPerEpoch: 938 })).toBe(1);
    // Per epoch, a fractional length is refused.
    expect(() => dkdWarmupFactor(0, 0.2)).toThrow(/integer/);
  });

  it('0 disables the warm-up', () => {
    for (const epoch of [0, 1, 100]) expect(dkdWarmupFactor(epoch, 0)).toBe(1);
  });

  it('rejects a bad warmupEpochs or epoch', () => {
    expect(() => dkdWarmupFactor(0, -1)).toThrow(/warmupEpochs/);
    expect(() => dkdWarmupFactor(0, 2.5)).toThrow(/warmupEpochs/);
    expect(() => dkdWarmupFactor(-1, 20)).toThrow(/epoch/);
  });
});

describe('dkdPlugin.create', () => {
  const validated = (options: Record<string, unknown>) => validatedOptions<DkdOptions>(dkdOptionsSchema, 'dkd', options);

  it.each([
    [0, 0.05],
    [9, 0.5],
    [19, 1],
    [25, 1],
  ])('applies the warm-up rule at epoch %i with warmupEpochs 20 (factor %f)', async (epoch, factor) => {
    const distiller = await dkdPlugin.create(validated({}), context);
    tf.tidy(() => {
      const s = tf.randomNormal([6, 10], 0, 2, 'float32', 3) as tf.Tensor2D;
      const t = tf.randomNormal([6, 10], 0, 2, 'float32', 4) as tf.Tensor2D;
      const y = tf.tensor1d([0, 1, 2, 3, 4, 5], 'int32');
      const out = distiller.computeLoss!(lossInputs(s, t, y, epoch));
      const [total, ce, tckd, nckd] = [out.total, out.terms['ce']!, out.terms['tckd']!, out.terms['nckd']!].map((x) => x.dataSync()[0]!);
      // the terms do not depend on the epoch; only the weight of the distillation part does
      const full = dkdLossTerms(s, t, y, { warmupFactor: 1 });
      expect(ce).toBe(full.ce.dataSync()[0]);
      expect(tckd).toBe(full.tckd.dataSync()[0]);
      expect(nckd).toBe(full.nckd.dataSync()[0]);
      expect(Math.abs(total - (ce! + factor * (tckd! + 8 * nckd!))) / total).toBeLessThan(1e-6);
      expect(total).toBe(dkdLossTerms(s, t, y, { warmupFactor: factor }).total.dataSync()[0]);
    });
  });

  it('with warmupUnit "step", weights the distillation part by the per-step factor the trainer’s stepsPerEpoch gives', async () => {
    const distiller = await dkdPlugin.create(validated({ warmupEpochs: 0.5, warmupUnit: 'step' }), context);
    tf.tidy(() => {
      const s = tf.randomNormal([6, 10], 0, 2, 'float32', 7) as tf.Tensor2D;
      const t = tf.randomNormal([6, 10], 0, 2, 'float32', 8) as tf.Tensor2D;
      const y = tf.tensor1d([0, 1, 2, 3, 4, 5], 'int32');
      // Batch 2 (0-based) of 20 in the first epoch: (3/20) / 0.5 = 0.3.
      const out = distiller.computeLoss!({ ...lossInputs(s, t, y, 0), step: 2, stepsPerEpoch: 20 });
      expect(out.total.dataSync()[0]).toBe(dkdLossTerms(s, t, y, { warmupFactor: 0.3 }).total.dataSync()[0]);
    });
  });

  it('does not depend on step / globalStep within an epoch (mdistiller’s per-epoch rule)', async () => {
    const distiller = await dkdPlugin.create(validated({}), context);
    tf.tidy(() => {
      const s = tf.randomNormal([2, 5], 0, 2, 'float32', 5) as tf.Tensor2D;
      const t = tf.randomNormal([2, 5], 0, 2, 'float32', 6) as tf.Tensor2D;
      const y = tf.tensor1d([1, 2], 'int32');
      const a = distiller.computeLoss!({ ...lossInputs(s, t, y, 4), step: 0, globalStep: 40 }).total.dataSync()[0];
      const b = distiller.computeLoss!({ ...lossInputs(s, t, y, 4), step: 99, globalStep: 139 }).total.dataSync()[0];
      expect(a).toBe(b);
    });
  });

  it('throws a clear error for a bad warmupEpochs', async () => {
    expect(() => dkdPlugin.create({ ...validated({}), warmupEpochs: -2 }, context)).toThrow(/warmupEpochs/);
  });
});

describeLogitDistiller({
  plugin: dkdPlugin,
  options: { temperature: 3, beta: 6, warmupEpochs: 0 },
  terms: ['ce', 'tckd', 'nckd'],
  reference: (s, t, y) => dkdLossTerms(s, t, y, { temperature: 3, beta: 6, warmupFactor: 1 }),
  loop: loop(3),
});
