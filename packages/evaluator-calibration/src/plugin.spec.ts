import { join } from 'node:path';
import { describePluginConformance } from '@kd/testing';
import * as pkg from './index.js';
import { calibrationPlugin, register } from './index.js';

describePluginConformance({
  plugin: calibrationPlugin,
  register,
  module: pkg,
  packageDir: join(import.meta.dirname, '..'),
  defaults: {
    name: 'calibration',
    bins: 15,
    teacher: true,
    artefactFile: 'artifacts/calibration.json',
  },
  invalid: [
    { name: 'calibration', bins: 0 },
    { name: 'calibration', bins: 2.5 },
    { name: 'calibration', artefactFile: '../x.json' },
    { name: 'calibration', bin: 10 },
  ],
});
