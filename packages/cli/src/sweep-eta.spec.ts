import { sweepEta } from './sweep-eta.js';

describe('sweepEta', () => {
  it('extrapolates the wall-clock pace per finished cell over the cells left', () => {
    // 3 cells in 30 min: 10 min each; 9 left → 90 min
    expect(sweepEta(1800, 3, 12)).toBe('3 of 12 done, about 1 h 30 min left at this pace');
    // 1 cell in 400 s, 1 left → 6.7 min, rounded to 7
    expect(sweepEta(400, 1, 2)).toBe('1 of 2 done, about 7 min left at this pace');
    expect(sweepEta(7200, 2, 4)).toBe('2 of 4 done, about 2 h left at this pace');
    expect(sweepEta(10, 1, 2)).toBe('1 of 2 done, under a minute left at this pace');
  });

  it('says no estimate before the first cell and none when all are done', () => {
    expect(sweepEta(100, 0, 5)).toBe('0 of 5 done');
    expect(sweepEta(100, 5, 5)).toBe('5 of 5 done');
  });
});
