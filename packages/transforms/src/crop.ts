import type { Image } from './image.js';

/**
 * The window [top, top+height) × [left, left+width) of `image`; pixels outside the image are `fill` (so a crop
 * larger than the image pads, as torchvision's CenterCrop does).
 */
export function crop(image: Image, top: number, left: number, height: number, width: number, fill = 0): Image {
  const { data, height: h, width: w, channels: c } = image;
  const out = new Float32Array(height * width * c);
  for (let r = 0; r < height; r++) {
    const sr = top + r;
    const rowInside = sr >= 0 && sr < h;
    for (let col = 0; col < width; col++) {
      const sc = left + col;
      const dst = (r * width + col) * c;
      if (rowInside && sc >= 0 && sc < w) {
        const src = (sr * w + sc) * c;
        for (let k = 0; k < c; k++) out[dst + k] = data[src + k]!;
      } else if (fill !== 0) {
        for (let k = 0; k < c; k++) out[dst + k] = fill;
      }
    }
  }
  return { data: out, height, width, channels: c };
}
