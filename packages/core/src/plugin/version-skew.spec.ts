import { skewWarning } from './version-skew.js';

const ok = (core: string, range: string) => skewWarning('@kd/distiller-x', range, core) === undefined;

describe('version skew between core and plugins', () => {
  it('judges ranges as npm does: caret, tilde, exact, comparators, unions, hyphens, x-ranges', () => {
    expect(ok('0.1.3', '^0.1.0')).toBe(true);
    expect(ok('0.2.0', '^0.1.0')).toBe(false);
    expect(ok('1.4.0', '^1.2.0')).toBe(true);
    expect(ok('2.0.0', '^1.2.0')).toBe(false);
    expect(ok('1.2.9', '~1.2.1')).toBe(true);
    expect(ok('1.3.0', '~1.2.1')).toBe(false);
    expect(ok('1.0.0', '1.0.0')).toBe(true);
    expect(ok('0.9.0', '>=1.0.0')).toBe(false);
    // What the hand-written matcher counted as satisfied without judging:
    expect(ok('0.3.0', '^0.1.0 || ^0.2.0')).toBe(false);
    expect(ok('0.2.5', '^0.1.0 || ^0.2.0')).toBe(true);
    expect(ok('2.1.0', '1.0.0 - 2.0.0')).toBe(false);
    expect(ok('1.9.0', '1.x')).toBe(true);
    expect(ok('2.0.0', '>=1.0.0 <2.0.0')).toBe(false);
  });

  it('warns with the package, its range and the running core; an unreadable range is a warning too', () => {
    expect(skewWarning('@kd/distiller-x', '^0.2.0', '0.1.0')).toMatch(
      /@kd\/distiller-x expects @kd\/core \^0\.2\.0, but @kd\/core 0\.1\.0 is running/,
    );
    expect(skewWarning('@kd/distiller-x', '^0.1.0', '0.1.0')).toBeUndefined();
    expect(skewWarning('@kd/distiller-x', 'banana', '0.1.0')).toMatch(/declares an @kd\/core range npm cannot read \("banana"\)/);
  });
});
