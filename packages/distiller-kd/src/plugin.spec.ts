import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core alone registers no gradients; the runtime (like @tensorflow/tfjs) imports them once.
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describeLogitDistiller, describePluginConformance, strictAjv } from '@kd/testing';
import * as pkg from './index.js';
import { KD_LOSS_DEFAULTS, kdLossTerms, kdOptionsSchema, kdPlugin, register } from './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describePluginConformance({
  plugin: kdPlugin,
  register,
  module: pkg,
  exports: ['kdPlugin', 'kdOptionsSchema', 'kdLoss', 'kdLossTerms', 'createKdDistiller', 'standardizeLogits'],
  packageDir: join(import.meta.dirname, '..'),
  manifest: {
    kind: 'distiller',
    name: 'kd',
    version: '0.1.0',
    title: 'Knowledge distillation (Hinton et al.)',
    paper: {
      title: 'Distilling the Knowledge in a Neural Network',
      authors: 'Hinton, Vinyals, Dean',
      year: 2015,
      url: 'https://arxiv.org/abs/1503.02531',
    },
    optionsSchema: kdOptionsSchema,
  },
  minDescriptionLength: 11,
  // CIFAR-100: 0.1 / 0.9 / τ = 4, τ² on, no standardisation
  defaults: { name: 'kd', ...KD_LOSS_DEFAULTS },
  invalid: [
    {},
    { name: 'dkd' },
    { name: 'kd', temperature: 0 },
    { name: 'kd', temperature: -1 },
    { name: 'kd', ceWeight: -0.1 },
    { name: 'kd', kdWeight: '0.9' },
    { name: 'kd', scaleByTemperatureSquared: 'yes' },
    { name: 'kd', standardizeLogits: 1 },
    { name: 'kd', temprature: 4 },
  ],
});

describe('kdOptionsSchema', () => {
  it('applies the defaults under the options given', () => {
    const validate = strictAjv().compile(kdOptionsSchema);
    const partial: Record<string, unknown> = { name: 'kd', temperature: 2, standardizeLogits: true };
    expect(validate(partial)).toBe(true);
    expect(partial).toEqual({ ...KD_LOSS_DEFAULTS, name: 'kd', temperature: 2, standardizeLogits: true });
  });

  it('works as a branch of a discriminated union (as core composes the pipeline schema)', () => {
    const ajv = new Ajv2020({ strict: true, useDefaults: true, discriminator: true, allErrors: true });
    ajv.addSchema({ ...kdOptionsSchema, $id: 'kd:distiller/kd' });
    const validate = ajv.compile({
      type: 'object',
      required: ['name'],
      properties: { name: { enum: ['kd'] } },
      discriminator: { propertyName: 'name' },
      oneOf: [{ $ref: 'kd:distiller/kd' }],
    });
    const config: Record<string, unknown> = { name: 'kd', kdWeight: 0.5 };
    expect(validate(config)).toBe(true);
    expect(config['temperature']).toBe(4);
    expect(config['kdWeight']).toBe(0.5);
  });
});

describeLogitDistiller({
  plugin: kdPlugin,
  options: { temperature: 3, standardizeLogits: true },
  terms: ['ce', 'kd'],
  reference: (s, t, y) => kdLossTerms(s, t, y, { temperature: 3, standardizeLogits: true }),
});
