import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { register as registerCnn } from '@kd/backbone-cnn';
import { register as registerIdx } from '@kd/dataset-idx';
import { register as registerAccuracy } from '@kd/evaluator-accuracy';
import { describeDistillerE2e, metricsLines } from '@kd/testing';
import { register } from './index.js';

describeDistillerE2e(
  {
    distiller: { name: 'fitnet', hintWeight: 10 },
    registers: [registerIdx, registerCnn, registerAccuracy, register],
    terms: ['ce', 'hint'],
    falling: ['hint'],
    // single stage (mdistiller): the regressor trains beside the student and is checkpointed, not exported
    checkpointed: { tensors: ['regressor::kernel', 'regressor::bias'], notExported: 'regressor' },
    expectRun: ({ lines }) => expect(lines.map((l) => l.stage)).toEqual(['train', 'train']),
  },
  ({ teacher, run }) => {
    it('two stages (the paper): a hint stage then a distill stage with KD', async () => {
      const distiller = { name: 'fitnet', hintWeight: 10, hintEpochs: 1, ceWeight: 0.1, kdWeight: 0.9 };
      const { runDir } = await run('fitnet-2', { teacher, distiller });
      const lines = metricsLines(runDir);
      expect(lines.map((l) => l.stage)).toEqual(['hint', 'distill', 'distill']);
      expect(Object.keys(lines[0]!.loss).sort()).toEqual(['hint', 'total']);
      expect(Object.keys(lines[1]!.loss).sort()).toEqual(['ce', 'kd', 'total']);
      expect(lines[2]!.loss['total']).toBeLessThan(lines[1]!.loss['total']!);
      // constant within a stage (each stage's optimiser holds slots for the modules it trains: the hint stage has more)
      expect(lines[2]!.memory.numTensors).toBe(lines[1]!.memory.numTensors);
      expect(lines[0]!.memory.numTensors).toBeGreaterThan(lines[1]!.memory.numTensors);
      expect(existsSync(join(runDir, 'summary.json'))).toBe(true);
    });
  },
);
