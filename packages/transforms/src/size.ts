/** A target size: one number for a square, or [height, width]. */
export type Size = number | readonly [number, number];

export function sizePair(size: Size): [number, number] {
  return typeof size === 'number' ? [size, size] : [size[0], size[1]];
}
