import { describe, expect, it } from 'vitest';
import { LossSpikeMonitor } from './loss-spike-monitor.js';

describe('LossSpikeMonitor', () => {
  it('judges nothing before 10 steps, then flags a loss above factor × the median of the window', () => {
    const m = new LossSpikeMonitor(10);
    for (let i = 0; i < 10; i++) expect(m.observe(i === 3 ? 1e6 : 2)).toBeNull();
    // Window: nine 2s and one 1e6 → median 2 (the spike itself does not move the median).
    expect(m.observe(19.9)).toBeNull();
    expect(m.observe(33561)).toEqual({ value: 33561, median: 2, ratio: 33561 / 2 });
  });

  it('uses the mean of the two middle values for an even window', () => {
    const m = new LossSpikeMonitor(2);
    for (const v of [1, 1, 1, 1, 1, 3, 3, 3, 3, 3]) m.observe(v);
    // sorted: 1×5, 3×5 → median (1 + 3) / 2 = 2; 4.1 > 2 × 2.
    expect(m.observe(4.1)?.median).toBe(2);
    expect(new LossSpikeMonitor(2, m.state).observe(100)?.ratio).toBeGreaterThan(1);
  });

  it('keeps the last 50 steps, and restores from a checkpointed window', () => {
    const m = new LossSpikeMonitor(10);
    for (let i = 0; i < 60; i++) m.observe(i < 10 ? 1000 : 1);
    expect(m.state).toHaveLength(50);
    expect(m.state.every((v) => v === 1)).toBe(true);
    expect(new LossSpikeMonitor(10, m.state).observe(11)?.median).toBe(1);
  });
});
