import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import {
  expectManifestMatchesPackageJson,
  expectNamedExportsOnly,
  expectRegistersExplicitly,
  expectStrictSchemaWithDefaults,
  strictAjv,
} from '@kd/testing';
import * as pkg from './index.js';
import { onnxOptionsSchema, onnxPlugin, register } from './index.js';

describe('onnx plugin', () => {
  it('has named exports only and registers by an explicit call', () => {
    expectNamedExportsOnly(pkg, ['onnxPlugin', 'register', 'OnnxNetwork', 'onnxOptionsSchema']);
    expectRegistersExplicitly(onnxPlugin, register);
  });

  it('agrees with package.json', () => {
    expectManifestMatchesPackageJson(onnxPlugin, join(import.meta.dirname, '..'));
  });

  it('compiles strictly, documents every option and applies the defaults', () => {
    expect(onnxPlugin.manifest.optionsSchema).toBe(onnxOptionsSchema);
    expect(expectStrictSchemaWithDefaults(onnxPlugin)).toEqual({
      name: 'onnx',
      layout: 'NCHW',
      featureLayout: 'NCHW',
      input: '',
      logits: 'logits',
      embedding: '',
      stages: {},
      executionProviders: ['cpu'],
      threads: 0,
      maxFileBytes: 2 ** 31 - 1,
      timeoutSeconds: 600,
    });
  });

  it.each([
    [{ name: 'onnx', layout: 'nchw' }],
    [{ name: 'onnx', stages: { '1stage': 'x' } }],
    [{ name: 'onnx', stages: { stage1: '' } }],
    [{ name: 'onnx', executionProviders: ['gpu'] }],
    [{ name: 'onnx', executionProviders: [] }],
    [{ name: 'onnx', threads: -1 }],
    [{ name: 'onnx', maxFileBytes: 2 ** 31 }],
    [{ name: 'onnx', logits: '' }],
    [{ name: 'onnx', weights: 'model.onnx' }],
  ])('rejects %j', (config) => {
    expect(strictAjv().compile(onnxOptionsSchema)(config)).toBe(false);
  });

  it('validates as a branch of the backbone union, as core composes the pipeline schema', () => {
    const ajv = new Ajv2020({ strict: true, useDefaults: true, discriminator: true, allErrors: true });
    ajv.addSchema({ ...onnxOptionsSchema, $id: 'kd:backbone/onnx' });
    const validate = ajv.compile({
      type: 'object',
      required: ['name'],
      properties: { name: { enum: ['onnx'] } },
      discriminator: { propertyName: 'name' },
      oneOf: [{ $ref: 'kd:backbone/onnx' }],
    });
    const config: Record<string, unknown> = { name: 'onnx', stages: { stage1: 'layer1_out' }, executionProviders: ['cuda', 'cpu'] };
    expect(validate(config)).toBe(true);
    expect(config['layout']).toBe('NCHW');
    expect(config['stages']).toEqual({ stage1: 'layer1_out' });
  });
});
