import { register as registerCnn } from '@kd/backbone-cnn';
import { register as registerIdx } from '@kd/dataset-idx';
import { register as registerAccuracy } from '@kd/evaluator-accuracy';
import { describeDistillerE2e } from '@kd/testing';
import { register } from './index.js';

describeDistillerE2e({
  distiller: { name: 'dist' },
  registers: [registerIdx, registerCnn, registerAccuracy, register],
  size: { trainLimit: 256 },
  terms: ['ce', 'inter', 'intra'],
  // defaults: CE 1, β = γ = 2, τ = 4 with τ²
  weights: { ce: 1, inter: 32, intra: 32 },
  falling: [['inter', 'intra']],
  resolved: { name: 'dist', ceWeight: 1, beta: 2, gamma: 2, temperature: 4, scaleByTemperatureSquared: true },
});
