import { tinyConfig } from './tiny-config.js';

describe('tinyConfig', () => {
  it('sizes the run as asked and sets evalBatchSize only when given', () => {
    const c = tinyConfig('out', {}, { trainLimit: 192, testLimit: 96, epochs: 2, seed: 3 });
    expect(c['dataset']).toEqual({ name: 'idx', preset: 'fashion-mnist', source: 'bundled', trainLimit: 192, testLimit: 96 });
    expect(c['training']).toEqual({
      epochs: 2,
      batchSize: 32,
      seed: 3,
      optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 },
      schedule: { type: 'cosine' },
    });
    expect((tinyConfig('out', {}, { evalBatchSize: 32 })['training'] as Record<string, unknown>)['evalBatchSize']).toBe(32);
  });

  it('replaces whole top-level sections with the overrides', () => {
    const c = tinyConfig('out', { training: { epochs: 1 } });
    expect(c['training']).toEqual({ epochs: 1 });
    expect(c['output']).toEqual({ dir: 'out' });
  });
});
