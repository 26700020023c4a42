import { join } from 'node:path';
import { describePluginConformance } from '@kd/testing';
import * as pkg from './index.js';
import { jsonlPlugin, register } from './plugin.js';

describePluginConformance({
  plugin: jsonlPlugin,
  register,
  module: pkg,
  packageDir: join(import.meta.dirname, '..'),
  invalid: [
    { name: 'jsonl', formats: [] },
    { name: 'jsonl', formats: ['parquet'] },
    { name: 'jsonl', formats: ['csv', 'csv'] },
    { name: 'jsonl', dir: '' },
  ],
});
