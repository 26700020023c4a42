import { join } from 'node:path';
import { container } from 'tsyringe';
import { RUN_CONFIG, isInputError } from '@kd/core';
import { describePluginConformance } from '@kd/testing';
import * as pkg from './index.js';
import { agreementPlugin, register } from './index.js';

describePluginConformance({
  plugin: agreementPlugin,
  register,
  module: pkg,
  packageDir: join(import.meta.dirname, '..'),
  defaults: { name: 'agreement', temperature: 1, klScale: 'none' },
  invalid: [
    { name: 'agreement', temperature: 0 },
    { name: 'agreement', klScale: 'tau2' },
    { name: 'agreement', temp: 2 },
  ],
});

describe('agreement plugin', () => {
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
