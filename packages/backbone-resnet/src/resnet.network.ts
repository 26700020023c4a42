import * as tfl from '@tensorflow/tfjs-layers';
import { batchNormalization, PreactBatchNormNetwork, type BackboneContext, type BuiltLayersModel } from '@kd/core';
import { CIFAR_RESNET_VARIANTS, FOUR_STAGE_RESNET_VARIANTS, RESNET_VARIANTS, type ResnetOptions } from './resnet.options.js';

type Sym = tfl.SymbolicTensor;

/**
 * A ResNet as a tfjs-layers functional model whose outputs are every stage feature, the embedding and the logits:
 * the three-stage CIFAR ResNets (RepDistiller / mdistiller `models/cifar/resnet.py`), the four-stage torchvision
 * ImageNet ResNets (resnet18/34/50) and the four-stage CIFAR ResNet18/50 (mdistiller `models/cifar/resnetv2.py`).
 */
export class ResnetNetwork extends PreactBatchNormNetwork {
  constructor(options: ResnetOptions, context: BackboneContext) {
    if (!(options.variant in RESNET_VARIANTS)) throw new Error(`resnet: unknown variant '${String(options.variant)}'`);
    super('resnet', options as unknown as Record<string, unknown>, context);
    this.finish(options.variant in CIFAR_RESNET_VARIANTS ? this.build(options) : this.buildFourStage(options), context.rng);
  }

  private build(o: ResnetOptions): BuiltLayersModel {
    const { depth, widths } = CIFAR_RESNET_VARIANTS[o.variant as keyof typeof CIFAR_RESNET_VARIANTS];
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
      return batchNormalization({ momentum: 0.9, epsilon: 1e-5, name: s(`${name}bn`) }).apply(conv) as Sym;
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
      // the residual branch's last BN, as the reference's get_bn_before_relu (the shortcut is not counted)
      this.preactFrom(`stage${stage}_preact`, `stage${stage}_block${blocks}_2_bn`);
      names.push(`stage${stage}_preact`, `stage${stage}`);
      outputs.push(preact, h);
      this.stages.push({ name: `stage${stage}`, outputShape: [height, width, channels] });
    }

    // Global average pooling: the reference's AvgPool2d(8) on the 8×8 map of a 32×32 input.
    return this.poolAndClassify(input, h, { names, outputs }, o.variant);
  }

  /**
   * Four stages of widths 64, 128, 256, 512 (× 4 at the output of a Bottleneck), strides 1, 2, 2, 2, as torchvision's
   * `ResNet` (`stem: 'imagenet'`) and mdistiller's `models/cifar/resnetv2.py` (`stem: 'cifar'`).
   */
  private buildFourStage(o: ResnetOptions): BuiltLayersModel {
    const { stem, block, blocks } = FOUR_STAGE_RESNET_VARIANTS[o.variant as keyof typeof FOUR_STAGE_RESNET_VARIANTS];
    const expansion = block === 'bottleneck' ? 4 : 1;
    const s = (n: string) => this.scoped(n);
    const names: string[] = [];
    const outputs: Sym[] = [];
    let [height, width, channels] = this.inputShape;

    // Convolution without bias, PyTorch's `padding = k // 2`, then BN (momentum 0.1 → tfjs 0.9, eps 1e-5). Every
    // strided k×k conv with k > 1 (the 7×7/2 stem, pad 3; the 3×3/2 convs, pad 1) is zero-padded explicitly on every
    // side and run 'valid': tfjs 'same' would put the padding of an even map at the bottom/right only. Stride-1 convs
    // and 1×1 convs (whose 'same' padding is 0, as PyTorch's) use 'same'. Output size: ⌈H / stride⌉ in every case.
    const convBn = (x: Sym, filters: number, kernelSize: 1 | 3 | 7, strides: 1 | 2, name: string): Sym => {
      const outH = Math.ceil(height / strides);
      const outW = Math.ceil(width / strides);
      this.flops += 2 * outH * outW * kernelSize * kernelSize * channels * filters;
      const explicitPad = kernelSize > 1 && strides === 2;
      const padded = explicitPad ? (tfl.layers.zeroPadding2d({ padding: (kernelSize - 1) / 2, name: s(`${name}pad`) }).apply(x) as Sym) : x;
      const conv = tfl.layers
        .conv2d({ filters, kernelSize, strides, padding: explicitPad ? 'valid' : 'same', useBias: false, name: s(`${name}conv`) })
        .apply(padded) as Sym;
      [height, width, channels] = [outH, outW, filters];
      return batchNormalization({ momentum: 0.9, epsilon: 1e-5, name: s(`${name}bn`) }).apply(conv) as Sym;
    };
    const relu = (x: Sym, name: string): Sym => tfl.layers.reLU({ name: s(name) }).apply(x) as Sym;

    const input = tfl.input({ shape: [...this.inputShape], name: s('input') });
    let h: Sym;
    if (stem === 'imagenet') {
      // conv7×7/2 (pad 3) → BN → ReLU (the `stem` feature), then max-pool 3×3/2 with PyTorch's padding 1. PyTorch pads a
      // max-pool with −∞; its input here is a ReLU output (≥ 0) and every padded 3×3 window holds real pixels, so zero
      // padding gives the same maxima.
      h = relu(convBn(input, 64, 7, 2, 'stem_'), 'stem_relu');
      names.push('stem');
      outputs.push(h);
      h = tfl.layers.zeroPadding2d({ padding: 1, name: s('stem_pool_pad') }).apply(h) as Sym;
      h = tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'valid', name: s('stem_pool') }).apply(h) as Sym;
      [height, width] = [Math.ceil(height / 2), Math.ceil(width / 2)];
    } else {
      // conv3×3/1 → BN → ReLU, no max-pool (resnetv2.py's `conv1`/`bn1`, feature f0).
      h = relu(convBn(input, 64, 3, 1, 'stem_'), 'stem_relu');
      names.push('stem');
      outputs.push(h);
    }

    for (let stage = 1; stage <= 4; stage++) {
      const planes = 64 * 2 ** (stage - 1);
      const outChannels = planes * expansion;
      let preact: Sym = h;
      for (let b = 1; b <= blocks[stage - 1]!; b++) {
        const stride: 1 | 2 = stage > 1 && b === 1 ? 2 : 1;
        const p = `stage${stage}_block${b}_`;
        const inDims = [height, width, channels] as const;
        let out: Sym;
        if (block === 'basic') {
          // conv3×3(stride)-BN-ReLU-conv3×3-BN.
          out = relu(convBn(h, planes, 3, stride, `${p}1_`), `${p}1_relu`);
          out = convBn(out, planes, 3, 1, `${p}2_`);
        } else {
          // conv1×1-BN-ReLU-conv3×3(stride)-BN-ReLU-conv1×1(×4)-BN: the stride on the 3×3 conv (ResNet v1.5).
          out = relu(convBn(h, planes, 1, 1, `${p}1_`), `${p}1_relu`);
          out = relu(convBn(out, planes, 3, stride, `${p}2_`), `${p}2_relu`);
          out = convBn(out, outChannels, 1, 1, `${p}3_`);
        }
        // Shortcut: 1×1 conv(stride) + BN where the shape changes (`downsample`), the identity otherwise.
        let shortcut = h;
        if (stride !== 1 || inDims[2] !== outChannels) {
          const outDims = [height, width, channels] as const;
          [height, width, channels] = inDims;
          shortcut = convBn(h, outChannels, 1, stride, `${p}down_`);
          [height, width, channels] = outDims;
        }
        preact = tfl.layers.add({ name: s(`${p}add`) }).apply([out, shortcut]) as Sym;
        h = relu(preact, `${p}relu`);
      }
      this.preactFrom(`stage${stage}_preact`, `stage${stage}_block${blocks[stage - 1]!}_${block === 'basic' ? 2 : 3}_bn`);
      names.push(`stage${stage}_preact`, `stage${stage}`);
      outputs.push(preact, h);
      this.stages.push({ name: `stage${stage}`, outputShape: [height, width, channels] });
    }

    // Global average pooling (torchvision / resnetv2.py: AdaptiveAvgPool2d(1)), linear classifier with bias.
    return this.poolAndClassify(input, h, { names, outputs }, o.variant);
  }
}
