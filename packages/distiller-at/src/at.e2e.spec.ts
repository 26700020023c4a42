import { register as registerCnn } from '@kd/backbone-cnn';
import { register as registerIdx } from '@kd/dataset-idx';
import { register as registerAccuracy } from '@kd/evaluator-accuracy';
import { describeDistillerE2e } from '@kd/testing';
import { register } from './index.js';

describeDistillerE2e({
  distiller: { name: 'at', kdWeight: 0.5 },
  registers: [registerIdx, registerCnn, registerAccuracy, register],
  terms: ['at', 'ce', 'kd'],
  falling: ['at'],
  resolved: { name: 'at', beta: 1000, p: 2, ceWeight: 1, kdWeight: 0.5, temperature: 4, stages: [], teacherStages: [], feature: 'output' },
  rejects: [
    {
      distiller: { name: 'at', stages: ['stage7'] },
      error: '/distiller/stages/0: "stage7" is not a stage of the student (cnn); expected one of stage1, stage2',
    },
  ],
  expectRun: ({ lines, summary }) => {
    expect(lines[1]!.metrics['student.top1']).toBeGreaterThan(0.2);
    expect(summary['studentParams']).toBeGreaterThan(0);
  },
});
