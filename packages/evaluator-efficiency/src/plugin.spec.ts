import { join } from 'node:path';
import { describePluginConformance } from '@kd/testing';
import * as pkg from './index.js';
import { efficiencyPlugin, register } from './index.js';

describePluginConformance({
  plugin: efficiencyPlugin,
  register,
  module: pkg,
  packageDir: join(import.meta.dirname, '..'),
  defaults: {
    name: 'efficiency',
    runs: 10,
    warmupRuns: 3,
    batchSize: 0,
    teacher: true,
    repeat: 'once',
    artefactFile: 'artifacts/efficiency.json',
  },
  invalid: [
    { name: 'efficiency', runs: 0 },
    { name: 'efficiency', warmupRuns: -1 },
    { name: 'efficiency', repeat: 'always' },
    { name: 'efficiency', artefactFile: '../x.json' },
    { name: 'efficiency', run: 3 },
  ],
});
