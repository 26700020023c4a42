import { join } from 'node:path';
import { describePluginConformance } from '@kd/testing';
import * as pkg from './index.js';
import { accuracyPlugin, register } from './index.js';

describePluginConformance({
  plugin: accuracyPlugin,
  register,
  module: pkg,
  packageDir: join(import.meta.dirname, '..'),
  defaults: {
    name: 'accuracy',
    topK: [1, 5],
    teacher: true,
    perClass: true,
    artefactFile: 'artifacts/accuracy.json',
  },
  invalid: [
    { name: 'accuracy', topK: [] },
    { name: 'accuracy', perClass: 1 },
    { name: 'accuracy', artefactFile: '../x.json' },
    { name: 'accuracy', top: [1] },
  ],
});
