import { register as registerCnn } from '@kd/backbone-cnn';
import { register as registerIdx } from '@kd/dataset-idx';
import { register as registerAccuracy } from '@kd/evaluator-accuracy';
import { describeDistillerE2e } from '@kd/testing';
import { register } from './index.js';

describeDistillerE2e({
  distiller: { name: 'sp' },
  registers: [registerIdx, registerCnn, registerAccuracy, register],
  size: { trainLimit: 256 },
  terms: ['ce', 'sp'],
  weights: { ce: 1, sp: 3000 },
  positive: ['sp'],
  falling: ['sp'],
  resolved: { name: 'sp', ceWeight: 1, beta: 3000, stages: [], teacherStages: [], feature: 'output' },
  rejects: [
    {
      distiller: { name: 'sp', stages: ['stage9'] },
      error: '/distiller/stages/0: "stage9" is not a stage of the student (cnn); expected one of stage1, stage2',
    },
    { distiller: { name: 'sp', teacherStages: ['stage1'] }, error: '/distiller/teacherStages: set only together with /distiller/stages' },
  ],
});
