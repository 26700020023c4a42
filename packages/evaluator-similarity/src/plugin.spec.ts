import { join } from 'node:path';
import { container } from 'tsyringe';
import { RUN_CONFIG, isInputError } from '@kd/core';
import {
  expectManifestMatchesPackageJson,
  expectNamedExportsOnly,
  expectRegistersExplicitly,
  expectStrictSchemaWithDefaults,
  strictAjv,
} from '@kd/testing';
import * as pkg from './index.js';
import { similarityOptionsSchema, similarityPlugin, register } from './index.js';

describe('similarity plugin', () => {
  it('has named exports only and registers by an explicit call', () => {
    expectNamedExportsOnly(pkg);
    expectRegistersExplicitly(similarityPlugin, register);
  });

  it('agrees with package.json', () => {
    expectManifestMatchesPackageJson(similarityPlugin, join(import.meta.dirname, '..'));
  });

  it('compiles strictly, documents every option and applies the defaults', () => {
    expect(similarityPlugin.manifest.optionsSchema).toBe(similarityOptionsSchema);
    expect(expectStrictSchemaWithDefaults(similarityPlugin)).toEqual({
      name: 'similarity',
      pairs: [{ teacher: 'last', student: 'last' }],
      maxExamples: 512,
      reduce: 'flatten',
    });
  });

  it.each([
    [{ name: 'similarity', maxExamples: 1 }],
    [{ name: 'similarity', pairs: [] }],
    [{ name: 'similarity', pairs: [{ teacher: 'last' }] }],
    [{ name: 'similarity', reduce: 'pool' }],
    [{ name: 'similarity', max: 2 }],
  ])('rejects %j', (config) => {
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
    expect((error as Error).message).toMatch(
      /^\/evaluators\/1: the "similarity" evaluator compares the student with a teacher, and this config has none/,
    );
    run.register(RUN_CONFIG, { useValue: { teacher: { weights: 't' }, evaluators: [{ name: 'similarity' }] } });
    await expect(Promise.resolve(similarityPlugin.create(options, { container: run, baseDir: '.' }))).resolves.toBeDefined();
  });
});
