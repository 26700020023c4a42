import { formatMetric } from './format-metric.js';

describe('formatMetric', () => {
  it('prints shares of images as percentages and every other metric in its own unit', () => {
    expect(formatMetric('student.top1', 0.8615)).toBe('student.top1 86.15%');
    expect(formatMetric('student.meanClassTop1', 0.5)).toBe('student.meanClassTop1 50.00%');
    expect(formatMetric('agreement.top1', 0.9)).toBe('agreement.top1 90.00%');
    expect(formatMetric('calibration.student.ece', 0.0312)).toBe('calibration.student.ece 3.12%');
    expect(formatMetric('student.nonFinite', 0)).toBe('student.nonFinite 0.00%');
    // What was printed as "agreement.kl 217.20%" before:
    expect(formatMetric('agreement.kl', 2.172)).toBe('agreement.kl 2.172');
    expect(formatMetric('similarity.cka.stage2', 0.91234)).toBe('similarity.cka.stage2 0.9123');
    expect(formatMetric('efficiency.latencyMs', 12345.6)).toBe('efficiency.latencyMs 1.235e+4');
    expect(formatMetric('agreement.kl', Number.NaN)).toBe('agreement.kl NaN');
  });
});
