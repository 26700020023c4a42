import { satisfiesSimpleRange, skewWarning } from './version-skew.js';

describe('version skew between core and plugins', () => {
  it('judges caret, tilde, exact and >= ranges as npm does', () => {
    expect(satisfiesSimpleRange('0.1.3', '^0.1.0')).toBe(true);
    expect(satisfiesSimpleRange('0.2.0', '^0.1.0')).toBe(false);
    expect(satisfiesSimpleRange('1.4.0', '^1.2.0')).toBe(true);
    expect(satisfiesSimpleRange('2.0.0', '^1.2.0')).toBe(false);
    expect(satisfiesSimpleRange('1.2.9', '~1.2.1')).toBe(true);
    expect(satisfiesSimpleRange('1.3.0', '~1.2.1')).toBe(false);
    expect(satisfiesSimpleRange('1.0.0', '1.0.0')).toBe(true);
    expect(satisfiesSimpleRange('0.9.0', '>=1.0.0')).toBe(false);
  });

  it('warns with the package, its range and the running core', () => {
    expect(skewWarning('@kd/distiller-x', '^0.2.0', '0.1.0')).toMatch(/@kd\/distiller-x expects @kd\/core \^0\.2\.0, but @kd\/core 0\.1\.0 is running/);
    expect(skewWarning('@kd/distiller-x', '^0.1.0', '0.1.0')).toBeUndefined();
  });
});
