import { join } from 'node:path';
import { describePluginConformance } from '@kd/testing';
import * as pkg from './index.js';
import { crdPlugin, register } from './index.js';

describePluginConformance({
  plugin: crdPlugin,
  register,
  module: pkg,
  packageDir: join(import.meta.dirname, '..'),
  defaults: {
    name: 'crd',
    ceWeight: 1,
    crdWeight: 0.8,
    kdWeight: 0,
    temperature: 4,
    featureDim: 128,
    negatives: 16384,
    negativeSampling: 'otherClass',
    nceTemperature: 0.07,
    momentum: 0.5,
  },
  invalid: [
    { name: 'kd' },
    { name: 'crd', crdWeight: -1 },
    { name: 'crd', featureDim: 0 },
    { name: 'crd', negatives: 1.5 },
    { name: 'crd', nceTemperature: 0 },
    { name: 'crd', momentum: 1.5 },
    { name: 'crd', nce_k: 4096 },
  ],
});
