import * as tfl from '@tensorflow/tfjs-layers';

/**
 * A 3×3 depthwise convolution without bias, padded as PyTorch's `padding=1`: a stride-2 one is padded explicitly by
 * one pixel on every side and run 'valid', because tfjs 'same' would put the whole padding of an even map at the
 * bottom/right and sample other pixels than the reference. `name` prefixes the layers (`<name>pad`, `<name>conv`) and
 * is used as given, so a backbone passes its scoped name.
 */
export function depthwiseConv3x3(x: tfl.SymbolicTensor, strides: 1 | 2, name: string): tfl.SymbolicTensor {
  const input = strides === 2 ? (tfl.layers.zeroPadding2d({ padding: 1, name: `${name}pad` }).apply(x) as tfl.SymbolicTensor) : x;
  return tfl.layers
    .depthwiseConv2d({
      kernelSize: 3,
      strides,
      depthMultiplier: 1,
      padding: strides === 2 ? 'valid' : 'same',
      useBias: false,
      name: `${name}conv`,
    })
    .apply(input) as tfl.SymbolicTensor;
}
