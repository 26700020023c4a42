import * as tfl from '@tensorflow/tfjs-layers';
import { LayersNetwork, type BackboneContext, type BuiltLayersModel } from '@kd/core';
import { RESNET_VARIANTS, type ResnetOptions } from './resnet.options.js';

type Sym = tfl.SymbolicTensor;

/**
 * A CIFAR ResNet (RepDistiller / mdistiller `models/cifar/resnet.py`) as a tfjs-layers functional model whose
 * outputs are every stage feature, the embedding and the logits.
 */
export class ResnetNetwork extends LayersNetwork {
  constructor(options: ResnetOptions, context: BackboneContext) {
    if (!(options.variant in RESNET_VARIANTS)) throw new Error(`resnet: unknown variant '${String(options.variant)}'`);
    super('resnet', options as unknown as Record<string, unknown>, context);
    this.finish(this.build(options), context.rng);
  }

  private build(o: ResnetOptions): BuiltLayersModel {
    const { depth, widths } = RESNET_VARIANTS[o.variant];
    const blocks = (depth - 2) / 6;
    const s = (n: string) => this.scoped(n);
    const names: string[] = [];
    const outputs: Sym[] = [];
    let [height, width, channels] = this.inputShape;

    // Convolution without bias, padded as PyTorch's `padding = k // 2`, then batch norm with PyTorch's momentum 0.1
    // (tfjs: 0.9) and eps 1e-5. A stride-2 3×3 conv is padded explicitly by one pixel on every side: tfjs 'same' would
    // put the whole padding of an even map at the bottom/right and sample different pixels than PyTorch.
    const convBn = (x: Sym, filters: number, kernelSize: 1 | 3, strides: 1 | 2, name: string): Sym => {
      const outH = Math.ceil(height / strides);
      const outW = Math.ceil(width / strides);
      this.flops += 2 * outH * outW * kernelSize * kernelSize * channels * filters;
      const explicitPad = kernelSize === 3 && strides === 2;
      const padded = explicitPad ? (tfl.layers.zeroPadding2d({ padding: 1, name: s(`${name}pad`) }).apply(x) as Sym) : x;
      const conv = tfl.layers
        .conv2d({ filters, kernelSize, strides, padding: explicitPad ? 'valid' : 'same', useBias: false, name: s(`${name}conv`) })
        .apply(padded) as Sym;
      return tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5, name: s(`${name}bn`) }).apply(conv) as Sym;
    };

    const input = tfl.input({ shape: [...this.inputShape], name: s('input') });
    let h = tfl.layers.reLU({ name: s('stem_relu') }).apply(convBn(input, widths[0], 3, 1, 'stem_')) as Sym;
    channels = widths[0];
    names.push('stem');
    outputs.push(h);

    for (let stage = 1; stage <= 3; stage++) {
      const planes = widths[stage]!;
      let preact: Sym = h;
      for (let b = 1; b <= blocks; b++) {
        const stride: 1 | 2 = stage > 1 && b === 1 ? 2 : 1;
        const p = `stage${stage}_block${b}_`;
        const inDims = [height, width, channels] as const;
        // Main path: conv3×3(stride)-BN-ReLU-conv3×3-BN.
        let out = convBn(h, planes, 3, stride, `${p}1_`);
        out = tfl.layers.reLU({ name: s(`${p}1_relu`) }).apply(out) as Sym;
        [height, width, channels] = [Math.ceil(height / stride), Math.ceil(width / stride), planes];
        out = convBn(out, planes, 3, 1, `${p}2_`);
        // Shortcut: 1×1 conv(stride) + BN where the shape changes (the reference's `downsample`), the identity otherwise.
        let shortcut = h;
        if (stride !== 1 || inDims[2] !== planes) {
          const outDims = [height, width, channels] as const;
          [height, width, channels] = inDims;
          shortcut = convBn(h, planes, 1, stride, `${p}down_`);
          [height, width, channels] = outDims;
        }
        preact = tfl.layers.add({ name: s(`${p}add`) }).apply([out, shortcut]) as Sym;
        h = tfl.layers.reLU({ name: s(`${p}relu`) }).apply(preact) as Sym;
      }
      names.push(`stage${stage}_preact`, `stage${stage}`);
      outputs.push(preact, h);
      this.stages.push({ name: `stage${stage}`, outputShape: [height, width, channels] });
    }

    // Global average pooling: the reference's AvgPool2d(8) on the 8×8 map of a 32×32 input.
    const emb = tfl.layers.globalAveragePooling2d({ name: s('gap') }).apply(h) as Sym;
    names.push('embedding');
    outputs.push(emb);
    this.flops += 2 * channels * this.numClasses;
    const logits = tfl.layers.dense({ units: this.numClasses, name: s('classifier') }).apply(emb) as Sym;
    names.push('logits');
    outputs.push(logits);
    return { names, model: tfl.model({ inputs: input, outputs, name: s(o.variant) }) };
  }
}
