import { resizeBilinear } from './bilinear.js';
import type { Image, ImageTransform } from './image.js';
import type { Size } from './size.js';

/**
 * torchvision's Resize: a number resizes the shorter side to it and the longer to int(size·long/short)
 * (truncated, as torchvision); [h, w] resizes to exactly that. Bilinear, no antialiasing.
 */
export class Resize implements ImageTransform {
  constructor(readonly size: Size) {}

  outputSize(height: number, width: number): [number, number] {
    if (typeof this.size !== 'number') return [this.size[0], this.size[1]];
    const s = this.size;
    return height <= width ? [s, Math.trunc((s * width) / height)] : [Math.trunc((s * height) / width), s];
  }

  apply(image: Image): Image {
    const [h, w] = this.outputSize(image.height, image.width);
    return resizeBilinear(image, h, w);
  }
}
