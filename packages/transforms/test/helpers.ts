import type { Rng } from '@kd/core';
import type { Image } from '../src/image.js';

/** The same formula as make-fixtures.py. */
export function patterned(height: number, width: number, channels: number, salt: number): Image {
  const data = new Float32Array(height * width * channels);
  for (let r = 0; r < height; r++)
    for (let c = 0; c < width; c++)
      for (let k = 0; k < channels; k++) data[(r * width + c) * channels + k] = ((r * 31 + c * 17 + k * 7 + salt) % 23) / 22;
  return { data, height, width, channels };
}

/** An Rng stand-in returning scripted uniforms, to check draw arithmetic by hand. */
export function scriptedRng(uniforms: readonly number[]): Rng & { readonly used: number } {
  let i = 0;
  const next = () => {
    if (i >= uniforms.length) throw new Error('script exhausted');
    return uniforms[i++]!;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    get used() {
      return i;
    },
  } as unknown as Rng & { readonly used: number };
}

export function gray(values: number[][]): Image {
  return { data: Float32Array.from(values.flat()), height: values.length, width: values[0]!.length, channels: 1 };
}

export function rows(image: Image): number[][] {
  return Array.from({ length: image.height }, (_, r) =>
    Array.from(image.data.subarray(r * image.width * image.channels, (r + 1) * image.width * image.channels)),
  );
}
