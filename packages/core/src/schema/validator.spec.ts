import type { PluginManifest } from '../plugin/plugin.js';
import { createPipelineValidator } from './validator.js';
import { didYouMean } from './did-you-mean.js';
import { KdInputError } from '../errors/errors.js';

const m = (kind: PluginManifest['kind'], name: string, properties: Record<string, unknown> = {}): PluginManifest => ({
  kind,
  name,
  version: '1.0.0',
  apiVersion: 1,
  title: name,
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: { name: { const: name }, ...properties },
  },
});

const manifests = [
  m('dataset', 'toy'),
  m('backbone', 'mlp', { width: { type: 'integer', minimum: 1, default: 16 } }),
  m('distiller', 'kd', { temperature: { type: 'number', exclusiveMinimum: 0, default: 4 } }),
  m('distiller', 'dkd', { beta: { type: 'number', default: 8 } }),
];

const valid = () => ({
  specVersion: 1,
  dataset: { name: 'toy' },
  student: { backbone: { name: 'mlp' } },
  distiller: { name: 'kd' },
  training: { epochs: 2 },
  output: { dir: 'out' },
});

function errorOf(config: unknown): string {
  try {
    createPipelineValidator(manifests).validate(config, 'cfg.json');
  } catch (e) {
    expect(e).toBeInstanceOf(KdInputError);
    return (e as Error).message;
  }
  throw new Error('expected the config to be rejected');
}

describe('pipeline validation', () => {
  it('applies core and plugin defaults through the discriminated unions', () => {
    const c = createPipelineValidator(manifests).validate<Record<string, any>>(valid());
    expect(c['distiller']).toEqual({ name: 'kd', temperature: 4 });
    expect(c['student'].backbone.width).toBe(16);
    expect(c['training'].optimizer).toEqual({ type: 'sgd', lr: 0.05, momentum: 0.9, nesterov: false, weightDecay: 5e-4 });
    expect(c['training'].batchSize).toBe(64);
    expect(c['backend']).toBe('auto');
  });

  it('reports only the selected branch of a union', () => {
    const msg = errorOf({ ...valid(), distiller: { name: 'dkd', temperature: 1 } });
    expect(msg).toContain('/distiller/temperature: unknown property "temperature"');
    expect(msg).not.toContain('must match exactly one schema');
  });

  it('names the file, the pointer, the value and what is allowed', () => {
    const msg = errorOf({ ...valid(), training: { epochs: 2.5 } });
    expect(msg).toContain('cfg.json: invalid pipeline config');
    expect(msg).toContain('/training/epochs: got 2.5 (number); expected integer');
  });

  it('suggests the closest name for a misspelt key or enum value', () => {
    expect(errorOf({ ...valid(), outptu: {} })).toContain('did you mean "output"');
    expect(errorOf({ ...valid(), backend: 'wsam' })).toContain('did you mean "wasm"');
  });

  it('makes a slot with no installed plugin an explicit error, not an invalid schema', () => {
    const v = createPipelineValidator(manifests.filter((x) => x.kind !== 'dataset'));
    expect(() => v.validate(valid())).toThrow(/no dataset plugin is installed/);
  });

  it('didYouMean ignores distant candidates', () => {
    expect(didYouMean('tempreature', ['temperature', 'alpha'])).toBe('temperature');
    expect(didYouMean('zzz', ['temperature', 'alpha'])).toBeUndefined();
  });
});
