import type { Image, ImageTransform } from '@kd/transforms';

/**
 * An image whose values are its bytes (0..255, not scaled). The `augment` path moves pixels only, so it runs on byte
 * values and {@link PixelTable} normalises last: a padded pixel is byte 0, black, and every output is the table's
 * float32 of (v/255 − mean)/std, computed once per byte value rather than per pixel.
 */
export function imageOfBytes(bytes: Uint8Array, height: number, width: number, channels: number, offset: number): Image {
  return { data: Float32Array.from(bytes.subarray(offset, offset + height * width * channels)), height, width, channels };
}

/** Maps each byte value of an {@link imageOfBytes} image through a 256-entry table. */
export class PixelTable implements ImageTransform {
  constructor(readonly table: Float32Array) {}

  apply(image: Image): Image {
    const { data } = image;
    const out = new Float32Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = this.table[data[i]!]!;
    return { ...image, data: out };
  }
}
