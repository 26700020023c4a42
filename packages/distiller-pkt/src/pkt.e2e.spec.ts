import { register as registerCnn } from '@kd/backbone-cnn';
import { register as registerIdx } from '@kd/dataset-idx';
import { register as registerAccuracy } from '@kd/evaluator-accuracy';
import { describeDistillerE2e } from '@kd/testing';
import { register } from './index.js';

describeDistillerE2e({
  distiller: { name: 'pkt' },
  registers: [registerIdx, registerCnn, registerAccuracy, register],
  size: { trainLimit: 256 },
  terms: ['ce', 'pkt'],
  weights: { ce: 1, pkt: 30000 },
  positive: ['pkt'],
  falling: ['pkt'],
  resolved: { name: 'pkt', ceWeight: 1, beta: 30000, excludeSelf: false },
});
