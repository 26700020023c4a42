/** Mean and sample standard deviation (n − 1; 0 for one value), as the bench tables report them. */
export interface Stat {
  readonly mean: number;
  readonly std: number;
  readonly n: number;
}

export function stat(xs: readonly number[]): Stat | null {
  if (xs.length === 0) return null;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, std, n: xs.length };
}
