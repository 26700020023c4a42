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
    // PyTorch's SGD recipe by default: weight decay on every parameter, BN running variance unbiased.
    expect(c['training'].optimizer).toEqual({
      type: 'sgd',
      lr: 0.05,
      momentum: 0.9,
      nesterov: false,
      weightDecay: 5e-4,
      weightDecayOn: 'all',
    });
    expect(c['training'].batchNorm).toEqual({ runningVariance: 'unbiased' });
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

  it('says a slot given as a bare name must be an object, with or without the plugin installed', () => {
    const none = createPipelineValidator(manifests.filter((x) => x.kind !== 'dataset'));
    const msg = (() => {
      try {
        none.validate({ ...valid(), dataset: 'idx' }, 'cfg.json');
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    expect(msg).toContain('/dataset: expected an object like {"name": "idx", …}, got "idx"');
    expect(msg).not.toContain('no dataset plugin is installed');
    expect(errorOf({ ...valid(), dataset: 'toy' })).toContain('/dataset: expected an object like {"name": "toy", …}, got "toy"');
    expect(errorOf({ ...valid(), dataset: 3 })).toContain('/dataset: expected an object like {"name": "toy", …}, got 3');
    expect(errorOf({ ...valid(), student: { backbone: 'mlp' } })).toContain(
      '/student/backbone: expected an object like {"name": "mlp", …}, got "mlp"',
    );
    expect(errorOf({ ...valid(), distiller: ['kd'] })).toContain('/distiller: expected an object like {"name": "kd", …}, got ["kd"]');
    // One line per problem, not one per failing keyword.
    expect(errorOf({ ...valid(), dataset: 'toy' }).match(/\/dataset:/g)).toHaveLength(1);
  });

  it('says a slot object without a name lacks "name", installed plugins or not', () => {
    const none = createPipelineValidator(manifests.filter((x) => x.kind !== 'distiller'));
    expect(() => none.validate({ ...valid(), distiller: { temperature: 4 } })).toThrow(
      '/distiller/name: required property "name" is missing',
    );
    expect(() => none.validate({ ...valid(), distiller: { name: 4 } })).toThrow(
      '/distiller/name: got 4 (number); expected the name of a distiller plugin',
    );
    const msg = errorOf({ ...valid(), distiller: { temperature: 4 } });
    expect(msg.split('\n').filter((l) => l.includes('/distiller'))).toEqual(['  /distiller/name: required property "name" is missing']);
  });

  it('says a wrong discriminator value once, with the allowed values', () => {
    const msg = errorOf({ ...valid(), training: { epochs: 2, optimizer: { type: 'adan' } } });
    expect(msg.split('\n').slice(1)).toEqual([
      '  /training/optimizer/type: got "adan"; expected one of "sgd", "adam", "adamw" (did you mean "adam"?)',
    ]);
  });

  it("names a non-finite number instead of printing JSON's null", () => {
    const msg = errorOf({ ...valid(), training: { epochs: 2, optimizer: { type: 'sgd', lr: Infinity } } });
    expect(msg).toContain('/training/optimizer/lr: got Infinity (not a finite number); expected number');
    expect(errorOf({ ...valid(), training: { epochs: NaN } })).toContain('/training/epochs: got NaN (not a finite number)');
  });

  it('reports a value nested 100,000 levels deep in a few short lines, without overflowing the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = i % 2 ? [deep] : { a: deep };
    for (const config of [
      { ...valid(), training: { epochs: deep } },
      { ...valid(), extra: deep },
      { ...valid(), student: { backbone: { name: 'mlp', width: deep } } },
    ]) {
      const msg = errorOf(config);
      expect(msg.length).toBeLessThan(600);
      expect(msg).toMatch(/\/(training\/epochs|extra|student\/backbone\/width)/);
    }
    expect(errorOf({ ...valid(), training: { epochs: deep } })).toContain('/training/epochs: got [{"a":[…]}] (array); expected integer');
  });

  it('keeps printed values short', () => {
    const msg = errorOf({ ...valid(), training: { epochs: 'x'.repeat(100_000) } });
    expect(msg).toContain(`/training/epochs: got "${'x'.repeat(56)}... (string); expected integer`);
  });

  it('didYouMean ignores distant candidates', () => {
    expect(didYouMean('tempreature', ['temperature', 'alpha'])).toBe('temperature');
    expect(didYouMean('zzz', ['temperature', 'alpha'])).toBeUndefined();
  });
});
