import { expect } from 'vitest';

/**
 * max |actual − expected| / max |expected| (absolute when `expected` is all zeros): the error a float32 result is
 * held to against a float64 reference, insensitive to the reference's scale. Fails when the lengths differ.
 */
export function relErr(actual: ArrayLike<number> | number, expected: ArrayLike<number> | number): number {
  const a = typeof actual === 'number' ? [actual] : Array.from(actual);
  const e = typeof expected === 'number' ? [expected] : Array.from(expected);
  expect(a.length).toBe(e.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < e.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - e[i]!));
    scale = Math.max(scale, Math.abs(e[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}
