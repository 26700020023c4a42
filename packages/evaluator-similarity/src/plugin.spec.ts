import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { container } from 'tsyringe';
import { API_VERSION, PluginRegistry, RUN_CONFIG, createKdContainer, isInputError } from '@kd/core';
import * as pkg from './index.js';
import { similarityOptionsSchema, similarityPlugin, register } from './index.js';

const packageJson = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  kd: Record<string, unknown>;
};
const strictAjv = () => new Ajv2020({ strict: true, useDefaults: true });

describe('similarity plugin', () => {
  it('has named exports only and registers by an explicit call', () => {
    expect(pkg).not.toHaveProperty('default');
    const c = createKdContainer(container);
    register(c);
    expect(PluginRegistry.fromContainer(c).find('evaluator', 'similarity')).toBe(similarityPlugin);
  });

  it('agrees with package.json', () => {
    const m = similarityPlugin.manifest;
    expect(m.apiVersion).toBe(API_VERSION);
    expect(packageJson.name).toBe(`@kd/evaluator-${m.name}`);
    expect(packageJson.kd).toEqual({ kind: 'evaluator', name: m.name, apiVersion: m.apiVersion });
    expect(packageJson.version).toBe(m.version);
  });

  it('compiles strictly, documents every option and applies the defaults', () => {
    for (const [key, prop] of Object.entries(similarityOptionsSchema.properties)) {
      expect(typeof (prop as { description?: unknown }).description, key).toBe('string');
      if (key !== 'name') expect(prop, key).toHaveProperty('default');
    }
    const config: Record<string, unknown> = { name: 'similarity' };
    expect(strictAjv().compile(similarityOptionsSchema)(config)).toBe(true);
    expect(config).toEqual({ name: 'similarity', pairs: [{ teacher: 'last', student: 'last' }], maxExamples: 512, reduce: 'flatten' });
  });

  it.each([[{ name: 'similarity', maxExamples: 1 }], [{ name: 'similarity', pairs: [] }], [{ name: 'similarity', pairs: [{ teacher: 'last' }] }], [{ name: 'similarity', reduce: 'pool' }], [{ name: 'similarity', max: 2 }]])('rejects %j', (config) => {
    expect(strictAjv().compile(similarityOptionsSchema)(config)).toBe(false);
  });

  it('refuses, at assembly, a run without a teacher, naming the evaluator’s JSON pointer', async () => {
    const run = container.createChildContainer();
    run.register(RUN_CONFIG, { useValue: { evaluators: [{ name: 'accuracy' }, { name: 'similarity' }] } });
    const options = { name: 'similarity', pairs: [{ teacher: 'last', student: 'last' }], maxExamples: 512, reduce: 'flatten' } as const;
    let error: unknown;
    try {
      await similarityPlugin.create(options, { container: run, baseDir: '.' });
    } catch (e) {
      error = e;
    }
    expect(isInputError(error)).toBe(true);
    expect((error as Error).message).toMatch(/^\/evaluators\/1: the "similarity" evaluator compares the student with a teacher, and this config has none/);
    run.register(RUN_CONFIG, { useValue: { teacher: { weights: 't' }, evaluators: [{ name: 'similarity' }] } });
    await expect(Promise.resolve(similarityPlugin.create(options, { container: run, baseDir: '.' }))).resolves.toBeDefined();
  });
});
