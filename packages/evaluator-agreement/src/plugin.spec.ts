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
import { agreementOptionsSchema, agreementPlugin, register } from './index.js';

describe('agreement plugin', () => {
  it('has named exports only and registers by an explicit call', () => {
    expectNamedExportsOnly(pkg);
    expectRegistersExplicitly(agreementPlugin, register);
  });

  it('agrees with package.json', () => {
    expectManifestMatchesPackageJson(agreementPlugin, join(import.meta.dirname, '..'));
  });

  it('compiles strictly, documents every option and applies the defaults', () => {
    expect(agreementPlugin.manifest.optionsSchema).toBe(agreementOptionsSchema);
    expect(expectStrictSchemaWithDefaults(agreementPlugin)).toEqual({ name: 'agreement', temperature: 1, klScale: 'none' });
  });

  it.each([[{ name: 'agreement', temperature: 0 }], [{ name: 'agreement', klScale: 'tau2' }], [{ name: 'agreement', temp: 2 }]])(
    'rejects %j',
    (config) => {
      expect(strictAjv().compile(agreementOptionsSchema)(config)).toBe(false);
    },
  );

  it('refuses, at assembly, a run without a teacher, naming the evaluator’s JSON pointer', async () => {
    const run = container.createChildContainer();
    run.register(RUN_CONFIG, { useValue: { evaluators: [{ name: 'accuracy' }, { name: 'agreement' }] } });
    const options = { name: 'agreement', temperature: 1, klScale: 'none' } as const;
    let error: unknown;
    try {
      await agreementPlugin.create(options, { container: run, baseDir: '.' });
    } catch (e) {
      error = e;
    }
    expect(isInputError(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /^\/evaluators\/1: the "agreement" evaluator compares the student with a teacher, and this config has none/,
    );
    run.register(RUN_CONFIG, { useValue: { teacher: { weights: 't' }, evaluators: [{ name: 'agreement' }] } });
    await expect(Promise.resolve(agreementPlugin.create(options, { container: run, baseDir: '.' }))).resolves.toBeDefined();
  });
});
