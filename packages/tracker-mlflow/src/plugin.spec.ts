import { join } from 'node:path';
import { describePluginConformance } from '@kd/testing';
import * as pkg from './index.js';
import { mlflowPlugin, register } from './plugin.js';

describePluginConformance({
  plugin: mlflowPlugin,
  register,
  module: pkg,
  packageDir: join(import.meta.dirname, '..'),
  invalid: [
    { name: 'mlflow', trackingUri: 'localhost:5000' },
    { name: 'mlflow', timeoutMs: 0 },
    { name: 'mlflow', experimentName: '' },
    { name: 'mlflow', uri: 'http://x' },
  ],
});
