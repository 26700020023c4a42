import { register as registerCnn } from '@kd/backbone-cnn';
import { register as registerIdx } from '@kd/dataset-idx';
import { register as registerAccuracy } from '@kd/evaluator-accuracy';
import { describeDistillerE2e } from '@kd/testing';
import { register } from './index.js';

describeDistillerE2e({
  distiller: { name: 'rkd' },
  registers: [registerIdx, registerCnn, registerAccuracy, register],
  terms: ['ce', 'distance', 'angle'],
  weights: { ce: 1, distance: 25, angle: 50 },
  positive: ['distance', 'angle'],
  resolved: { name: 'rkd', distanceWeight: 25, angleWeight: 50, ceWeight: 1, squared: false, eps: 1e-12 },
});
