import { join } from 'node:path';
import { describePluginConformance } from '@kd/testing';
import * as pkg from './index.js';
import { spPlugin, register } from './index.js';

describePluginConformance({
  plugin: spPlugin,
  register,
  module: pkg,
  packageDir: join(import.meta.dirname, '..'),
  defaults: { name: 'sp', ceWeight: 1, beta: 3000, stages: [], teacherStages: [], feature: 'output' },
  invalid: [
    { name: 'sp', beta: -1 },
    { name: 'sp', ceWeight: -0.5 },
    { name: 'sp', beta: '3000' },
    { name: 'sp', stages: ['stage1', ''] },
    { name: 'sp', feature: 'logits' },
    { name: 'sp', weight: 3000 },
    { name: 'at' },
  ],
});
