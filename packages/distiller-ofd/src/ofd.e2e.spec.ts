import { register as registerCnn } from '@kd/backbone-cnn';
import { register as registerIdx } from '@kd/dataset-idx';
import { register as registerAccuracy } from '@kd/evaluator-accuracy';
import { describeDistillerE2e } from '@kd/testing';
import { register } from './index.js';

describeDistillerE2e({
  distiller: { name: 'ofd' },
  registers: [registerIdx, registerCnn, registerAccuracy, register],
  size: { trainLimit: 256 },
  terms: ['ce', 'ofd'],
  falling: ['ofd'],
  checkpointed: { tensors: ['connector::stage1/kernel', 'connector::stage2/gamma', 'connector::stage2/beta'], notExported: 'connector' },
});
