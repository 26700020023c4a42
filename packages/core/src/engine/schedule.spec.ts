import { learningRate } from './schedule.js';

describe('learningRate', () => {
  it('multistep follows mdistiller (epochs counted from 1: decay after epochs 150, 180, 210)', () => {
    const s = { type: 'multistep' as const, milestones: [150, 180, 210], gamma: 0.1 };
    expect(learningRate(0.05, s, 149, 240)).toBeCloseTo(0.05, 12); // epoch 150
    expect(learningRate(0.05, s, 150, 240)).toBeCloseTo(0.005, 12); // epoch 151
    expect(learningRate(0.05, s, 239, 240)).toBeCloseTo(0.00005, 12);
  });

  it('cosine starts at the base rate and ends near minLr', () => {
    const s = { type: 'cosine' as const, minLr: 0.001 };
    expect(learningRate(0.1, s, 0, 10)).toBeCloseTo(0.1, 12);
    expect(learningRate(0.1, s, 5, 10)).toBeCloseTo(0.0505, 12);
  });

  it('warm-up is linear per step over the warm-up epochs', () => {
    const s = { type: 'constant' as const, warmupEpochs: 2 };
    expect(learningRate(1, s, 0, 10, 0.5)).toBeCloseTo(0.25, 12);
    expect(learningRate(1, s, 1, 10, 1)).toBeCloseTo(1, 12);
    expect(learningRate(1, s, 2, 10, 0.1)).toBe(1);
  });
});
