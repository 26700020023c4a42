import { join } from 'node:path';
import { describePluginConformance } from '@kd/testing';
import * as pkg from './index.js';
import { tensorboardPlugin, register } from './plugin.js';

describePluginConformance({
  plugin: tensorboardPlugin,
  register,
  module: pkg,
  packageDir: join(import.meta.dirname, '..'),
  invalid: [
    { name: 'tensorboard', dir: '' },
    { name: 'tensorboard', steps: 'yes' },
    { name: 'tensorboard', logdir: 'x' },
  ],
});
