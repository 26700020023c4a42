import { join } from 'node:path';
import { describePluginConformance } from '@kd/testing';
import * as pkg from './index.js';
import { pktPlugin, register } from './index.js';

describePluginConformance({
  plugin: pktPlugin,
  register,
  module: pkg,
  packageDir: join(import.meta.dirname, '..'),
  defaults: { name: 'pkt', ceWeight: 1, beta: 30000, excludeSelf: false },
  invalid: [
    { name: 'pkt', beta: -1 },
    { name: 'pkt', ceWeight: -0.1 },
    { name: 'pkt', beta: '30000' },
    { name: 'pkt', excludeSelf: 'yes' },
    { name: 'pkt', eps: 1e-7 },
    { name: 'sp' },
  ],
});
