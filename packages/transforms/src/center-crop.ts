import { crop } from './crop.js';
import { roundHalfEven, type Image, type ImageTransform } from './image.js';
import { sizePair, type Size } from './size.js';

/** torchvision's CenterCrop: top = round((H−h)/2), left = round((W−w)/2) (Python rounding); zero-pads when larger than the image. */
export class CenterCrop implements ImageTransform {
  constructor(readonly size: Size) {}

  apply(image: Image): Image {
    const [h, w] = sizePair(this.size);
    return crop(image, roundHalfEven((image.height - h) / 2), roundHalfEven((image.width - w) / 2), h, w);
  }
}
