import { join } from 'node:path';
import { container } from 'tsyringe';
import { RUN_CONFIG, isInputError } from '@kd/core';
import { describePluginConformance } from '@kd/testing';
import * as pkg from './index.js';
import { similarityPlugin, register } from './index.js';

describePluginConformance({
  plugin: similarityPlugin,
  register,
  module: pkg,
  packageDir: join(import.meta.dirname, '..'),
  defaults: {
    name: 'similarity',
    pairs: [{ teacher: 'last', student: 'last' }],
    maxExamples: 512,
    reduce: 'flatten',
  },
  invalid: [
    { name: 'similarity', maxExamples: 1 },
    { name: 'similarity', pairs: [] },
    { name: 'similarity', pairs: [{ teacher: 'last' }] },
    { name: 'similarity', reduce: 'pool' },
    { name: 'similarity', max: 2 },
  ],
});

describe('similarity plugin', () => {
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
