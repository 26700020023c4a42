import { join } from 'node:path';
import { describePluginConformance } from '@kd/testing';
import * as pkg from './index.js';
import { distPlugin, register } from './index.js';

describePluginConformance({
  plugin: distPlugin,
  register,
  module: pkg,
  packageDir: join(import.meta.dirname, '..'),
  defaults: { name: 'dist', ceWeight: 1, beta: 2, gamma: 2, temperature: 4, scaleByTemperatureSquared: true },
  invalid: [
    { name: 'dist', temperature: 0 },
    { name: 'dist', beta: -1 },
    { name: 'dist', gamma: -0.5 },
    { name: 'dist', ceWeight: '1' },
    { name: 'dist', scaleByTemperatureSquared: 1 },
    { name: 'dist', tau: 4 },
    { name: 'kd' },
  ],
});
