import { kdsvdDefaults } from '../test/defaults.js';
import { register as registerCnn } from '@kd/backbone-cnn';
import { register as registerIdx } from '@kd/dataset-idx';
import { register as registerAccuracy } from '@kd/evaluator-accuracy';
import { describeDistillerE2e } from '@kd/testing';
import { register } from './index.js';

describeDistillerE2e({
  distiller: { name: 'kdsvd' },
  registers: [registerIdx, registerCnn, registerAccuracy, register],
  terms: ['ce', 'kdsvd'],
  weights: { ce: 1, kdsvd: 1 },
  positive: ['kdsvd'],
  resolved: kdsvdDefaults,
});
