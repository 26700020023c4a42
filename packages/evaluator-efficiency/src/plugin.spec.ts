import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { container } from 'tsyringe';
import { API_VERSION, PluginRegistry, createKdContainer } from '@kd/core';
import * as pkg from './index.js';
import { efficiencyOptionsSchema, efficiencyPlugin, register } from './index.js';

const packageJson = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  kd: Record<string, unknown>;
};
const strictAjv = () => new Ajv2020({ strict: true, useDefaults: true });

describe('efficiency plugin', () => {
  it('has named exports only and registers by an explicit call', () => {
    expect(pkg).not.toHaveProperty('default');
    const c = createKdContainer(container);
    register(c);
    expect(PluginRegistry.fromContainer(c).find('evaluator', 'efficiency')).toBe(efficiencyPlugin);
  });

  it('agrees with package.json', () => {
    const m = efficiencyPlugin.manifest;
    expect(m.apiVersion).toBe(API_VERSION);
    expect(packageJson.name).toBe(`@kd/evaluator-${m.name}`);
    expect(packageJson.kd).toEqual({ kind: 'evaluator', name: m.name, apiVersion: m.apiVersion });
    expect(packageJson.version).toBe(m.version);
  });

  it('compiles strictly, documents every option and applies the defaults', () => {
    for (const [key, prop] of Object.entries(efficiencyOptionsSchema.properties)) {
      expect(typeof (prop as { description?: unknown }).description, key).toBe('string');
      if (key !== 'name') expect(prop, key).toHaveProperty('default');
    }
    const config: Record<string, unknown> = { name: 'efficiency' };
    expect(strictAjv().compile(efficiencyOptionsSchema)(config)).toBe(true);
    expect(config).toEqual({ name: 'efficiency', runs: 10, warmupRuns: 3, batchSize: 0, teacher: true, repeat: 'once', artefactFile: 'artifacts/efficiency.json' });
  });

  it.each([[{ name: 'efficiency', runs: 0 }], [{ name: 'efficiency', warmupRuns: -1 }], [{ name: 'efficiency', repeat: 'always' }], [{ name: 'efficiency', artefactFile: '../x.json' }], [{ name: 'efficiency', run: 3 }]])(
    'rejects %j',
    (config) => {
      expect(strictAjv().compile(efficiencyOptionsSchema)(config)).toBe(false);
    },
  );
});
