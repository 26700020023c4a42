import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describePluginConformance } from '@kd/testing';
import * as pkg from './index.js';
import { register, tfjsOptionsSchema, tfjsPlugin } from './index.js';

describePluginConformance({
  plugin: tfjsPlugin,
  register,
  module: pkg,
  packageDir: join(import.meta.dirname, '..'),
  defaults: {
    name: 'tfjs',
    layout: 'NHWC',
    logits: '',
    embedding: '',
    stages: {},
    maxJsonBytes: 2 ** 26,
    maxWeightBytes: 2 ** 31 - 1,
  },
  invalid: [
    { name: 'tfjs', layout: 'nhwc' },
    { name: 'tfjs', stages: { '1stage': 'conv2d' } },
    { name: 'tfjs', stages: { stage1: '' } },
    { name: 'tfjs', stages: { stage1: 3 } },
    { name: 'tfjs', maxJsonBytes: 0 },
    { name: 'tfjs', maxWeightBytes: 2 ** 32 },
    { name: 'tfjs', weights: 'model.json' },
  ],
});

describe('tfjs options in the pipeline', () => {
  it('validate as a branch of the backbone union, as core composes the pipeline schema', () => {
    const ajv = new Ajv2020({ strict: true, useDefaults: true, discriminator: true, allErrors: true });
    ajv.addSchema({ ...tfjsOptionsSchema, $id: 'kd:backbone/tfjs' });
    const validate = ajv.compile({
      type: 'object',
      required: ['name'],
      properties: { name: { enum: ['tfjs'] } },
      discriminator: { propertyName: 'name' },
      oneOf: [{ $ref: 'kd:backbone/tfjs' }],
    });
    const config: Record<string, unknown> = { name: 'tfjs', stages: { stage1: 're_lu_1' }, layout: 'NCHW' };
    expect(validate(config)).toBe(true);
    expect(config['logits']).toBe('');
    expect(config['stages']).toEqual({ stage1: 're_lu_1' });
    expect(validate({ name: 'tfjs', stage: {} })).toBe(false);
  });
});
