import { join } from 'node:path';
import { describePluginConformance } from '@kd/testing';
import * as pkg from './index.js';
import { register, reviewkdPlugin } from './index.js';

describePluginConformance({
  plugin: reviewkdPlugin,
  register,
  module: pkg,
  packageDir: join(import.meta.dirname, '..'),
  defaults: {
    name: 'reviewkd',
    ceWeight: 1,
    reviewkdWeight: 1,
    warmupEpochs: 20,
    studentFeature: 'output',
    teacherFeature: 'preact',
    maxMidChannels: 512,
  },
  invalid: [
    { name: 'crd' },
    { name: 'reviewkd', reviewkdWeight: -1 },
    { name: 'reviewkd', warmupEpochs: 1.5 },
    { name: 'reviewkd', teacherFeature: 'logits' },
    { name: 'reviewkd', maxMidChannels: 0 },
    { name: 'reviewkd', shapes: [1, 8, 16, 32] },
  ],
});
