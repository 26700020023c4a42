import * as tfl from '@tensorflow/tfjs-layers';
import { batchNormalization, depthwiseConv3x3, LayersNetwork, reinitializeWeights } from '@kd/core';
import type { BackboneContext, BuiltLayersModel, InitializerSpec } from '@kd/core';
import {
  MOBILENET_BLOCK_SETTING,
  MOBILENET_VARIANTS,
  MOBILENETV1_BLOCK_SETTING,
  MOBILENETV2_VARIANTS,
  type MobilenetOptions,
} from './mobilenet.options.js';

type Sym = tfl.SymbolicTensor;

/** Block groups (0-based, the reference's `blocks[i]`) after which a stage feature is taken: its f1 … f4. */
const STAGE_ENDS = [1, 2, 4, 6] as const;

/**
 * A CIFAR MobileNetV2 (RepDistiller / mdistiller `models/cifar/mobilenetv2.py`) as a tfjs-layers functional model
 * whose outputs are the stem and stage features, the embedding and the logits.
 */
export class MobilenetNetwork extends LayersNetwork {
  constructor(options: MobilenetOptions, context: BackboneContext) {
    if (!(options.variant in MOBILENET_VARIANTS)) throw new Error(`mobilenet: unknown variant '${String(options.variant)}'`);
    super('mobilenet', options as unknown as Record<string, unknown>, context);
    const built = options.variant === 'mobilenetv1' ? this.buildV1(options) : this.build(options);
    this.finish(built, context.rng);
    reinitializeWeights(built.model, context.rng, MobilenetNetwork.referenceInit);
  }

  /**
   * `finish` initialises like PyTorch by weight name; two kinds of weight need the reference's own rule, drawn
   * afterwards from the same RNG in weight order:
   * - depthwise kernels (tfjs name `…/depthwise_kernel`, shape [3, 3, C, 1], which core's initialiser leaves at 0):
   *   the reference's N(0, √(2 / (k²·out_channels))) with out_channels = C, i.e. std = √(2 / (9·C)) — core's
   *   `kaimingNormal`/`fanOut` would take the fan-out of the [3, 3, C, 1] shape, 9, and so be √C too wide;
   * - the classifier: the reference sets N(0, 0.01) weights and zero bias (unlike the ResNets, which keep
   *   PyTorch's default U(±1/√fan_in)).
   */
  private static referenceInit(this: void, name: string, shape: readonly number[]): InitializerSpec | undefined {
    if (name.endsWith('/depthwise_kernel')) return { type: 'normal', std: Math.sqrt(2 / (shape[0]! * shape[1]! * shape[2]! * shape[3]!)) };
    if (name.endsWith('_classifier/kernel')) return { type: 'normal', std: 0.01 };
    return name.endsWith('_classifier/bias') ? { type: 'zeros' } : undefined;
  }

  /**
   * The layers both MobileNets are made of, tracking the spatial size and channels of the tensor being built (for the
   * stage shapes and the FLOP count), and the tapped outputs.
   */
  private kit() {
    const s = (n: string) => this.scoped(n);
    const names: string[] = [];
    const outputs: Sym[] = [];
    let [height, width, channels] = this.inputShape;

    // Batch norm with PyTorch's momentum 0.1 (tfjs: 0.9) and eps 1e-5.
    const bn = (x: Sym, name: string): Sym => batchNormalization({ momentum: 0.9, epsilon: 1e-5, name: s(`${name}bn`) }).apply(x) as Sym;
    const relu = (x: Sym, name: string): Sym => tfl.layers.reLU({ name: s(`${name}relu`) }).apply(x) as Sym;
    // A stride-2 3×3 conv is padded explicitly by one pixel on every side and run 'valid', as PyTorch's `padding=1`:
    // tfjs 'same' would put the whole padding of an even map at the bottom/right and sample different pixels.
    const pad = (x: Sym, strides: 1 | 2, name: string): Sym =>
      strides === 2 ? (tfl.layers.zeroPadding2d({ padding: 1, name: s(`${name}pad`) }).apply(x) as Sym) : x;
    const advance = (strides: 1 | 2) => {
      height = Math.ceil(height / strides);
      width = Math.ceil(width / strides);
    };

    return {
      s,
      relu,
      /** The named outputs so far, for `poolAndClassify`. */
      taps: { names, outputs },
      channels: () => channels,
      input: () => tfl.input({ shape: [...this.inputShape], name: s('input') }),
      /** Dense convolution without bias + BN (k = 1: pointwise; k = 3: the stem). */
      convBn: (x: Sym, filters: number, kernelSize: 1 | 3, strides: 1 | 2, name: string): Sym => {
        advance(strides);
        this.flops += 2 * height * width * kernelSize * kernelSize * channels * filters;
        const explicit = kernelSize === 3 && strides === 2;
        const conv = tfl.layers
          .conv2d({ filters, kernelSize, strides, padding: explicit ? 'valid' : 'same', useBias: false, name: s(`${name}conv`) })
          .apply(pad(x, explicit ? 2 : 1, name)) as Sym;
        channels = filters;
        return bn(conv, name);
      },
      /** Depthwise 3×3 convolution without bias + BN. */
      depthwiseBn: (x: Sym, strides: 1 | 2, name: string): Sym => {
        advance(strides);
        this.flops += 2 * height * width * 9 * channels;
        return bn(depthwiseConv3x3(x, strides, s(name)), name);
      },
      /** Taps `h` as the feature `name`; a `stageN` is also recorded as a stage boundary with its shape. */
      tap: (name: string, h: Sym) => {
        names.push(name);
        outputs.push(h);
        if (name !== 'stem') this.stages.push({ name, outputShape: [height, width, channels] });
      },
    };
  }

  private build(o: MobilenetOptions): BuiltLayersModel {
    const { expansion, widthMult } = MOBILENETV2_VARIANTS[o.variant as keyof typeof MOBILENETV2_VARIANTS];
    const { s, relu, taps, channels, input: newInput, convBn, depthwiseBn, tap } = this.kit();
    const input = newInput();
    // Stem: conv3×3(stride 2)-BN-ReLU (the reference's conv1, feature f0).
    let h = relu(convBn(input, Math.trunc(32 * widthMult), 3, 2, 'stem_'), 'stem_');
    tap('stem', h);

    MOBILENET_BLOCK_SETTING.forEach(({ t, c, n, s: stride }, g) => {
      const ratio = t === 'T' ? expansion : t;
      const out = Math.trunc(c * widthMult);
      for (let b = 1; b <= n; b++) {
        const p = `block${g + 1}_${b}_`;
        const strides: 1 | 2 = b === 1 ? stride : 1;
        const inChannels = channels();
        // Inverted residual: 1×1 expand-BN-ReLU (present even where t = 1), 3×3 depthwise-BN-ReLU, 1×1 project-BN.
        let y = relu(convBn(h, inChannels * ratio, 1, 1, `${p}expand_`), `${p}expand_`);
        y = relu(depthwiseBn(y, strides, `${p}dw_`), `${p}dw_`);
        y = convBn(y, out, 1, 1, `${p}project_`);
        h = strides === 1 && inChannels === out ? (tfl.layers.add({ name: s(`${p}add`) }).apply([h, y]) as Sym) : y;
      }
      const stage = STAGE_ENDS.indexOf(g as (typeof STAGE_ENDS)[number]);
      if (stage >= 0) tap(`stage${stage + 1}`, h);
    });

    // Head: conv1×1 to 1280 channels (1280·W where W > 1)-BN-ReLU, average pooling (the reference's AvgPool2d(2) on
    // the 2×2 map of a 32×32 input, here global), linear classifier.
    const last = widthMult > 1 ? Math.trunc(1280 * widthMult) : 1280;
    h = relu(convBn(h, last, 1, 1, 'head_'), 'head_');
    return this.poolAndClassify(input, h, taps, o.variant);
  }

  /**
   * MobileNetV1 (ImageNet): conv3×3/2 (→ 32)-BN-ReLU, then 13 depthwise-separable blocks — depthwise 3×3(stride)-BN-ReLU,
   * pointwise 1×1-BN-ReLU — global average pooling and a linear classifier. Stage features after blocks 3, 5, 11, 13.
   */
  private buildV1(o: MobilenetOptions): BuiltLayersModel {
    const { relu, taps, input: newInput, convBn, depthwiseBn, tap } = this.kit();
    const input = newInput();
    let h = relu(convBn(input, 32, 3, 2, 'stem_'), 'stem_');
    tap('stem', h);
    let block = 0;
    MOBILENETV1_BLOCK_SETTING.forEach(({ c, n, s: stride }, g) => {
      for (let b = 0; b < n; b++) {
        const p = `block${++block}_`;
        const y = relu(depthwiseBn(h, b === 0 ? stride : 1, `${p}dw_`), `${p}dw_`);
        h = relu(convBn(y, c, 1, 1, `${p}pw_`), `${p}pw_`);
      }
      if (g > 0) tap(`stage${g}`, h);
    });
    return this.poolAndClassify(input, h, taps, o.variant);
  }
}
