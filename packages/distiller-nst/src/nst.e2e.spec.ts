import { register as registerCnn } from '@kd/backbone-cnn';
import { register as registerIdx } from '@kd/dataset-idx';
import { register as registerAccuracy } from '@kd/evaluator-accuracy';
import { describeDistillerE2e } from '@kd/testing';
import { register } from './index.js';

describeDistillerE2e({
  distiller: { name: 'nst' },
  registers: [registerIdx, registerCnn, registerAccuracy, register],
  terms: ['ce', 'nst'],
  weights: { ce: 1, nst: 50 },
  falling: ['nst'],
  resolved: { name: 'nst', beta: 50, ceWeight: 1, degree: 2, c: 0, stages: [], teacherStages: [], feature: 'output' },
});
