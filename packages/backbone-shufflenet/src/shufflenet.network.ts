import * as tfl from '@tensorflow/tfjs-layers';
import { batchNormalization, depthwiseConv3x3, LayersNetwork, reinitializeWeights } from '@kd/core';
import type { BackboneContext, BuiltLayersModel, InitializerSpec } from '@kd/core';
import { ChannelSlice, registerChannelSlice } from './channel-slice.layer.js';
import { SHUFFLENET_STEM_CHANNELS, SHUFFLENET_VARIANTS, type ShufflenetOptions } from './shufflenet.options.js';

type Sym = tfl.SymbolicTensor;

/**
 * A CIFAR ShuffleNetV1 / ShuffleNetV2 (RepDistiller / mdistiller `models/cifar/ShuffleNetv1.py`, `ShuffleNetv2.py`)
 * as a tfjs-layers functional model whose outputs are the stem and stage features (each stage's pre-activation
 * first), the embedding and the logits.
 */
export class ShufflenetNetwork extends LayersNetwork {
  /** Channels and spatial size of the tensor the builder is at. */
  private height = 0;
  private width = 0;
  private channels = 0;

  constructor(options: ShufflenetOptions, context: BackboneContext) {
    if (!(options.variant in SHUFFLENET_VARIANTS)) throw new Error(`shufflenet: unknown variant '${String(options.variant)}'`);
    super('shufflenet', options as unknown as Record<string, unknown>, context);
    registerChannelSlice();
    const built = this.build(options);
    this.finish(built, context.rng);
    reinitializeWeights(built.model, context.rng, ShufflenetNetwork.referenceInit);
  }

  /**
   * The reference ShuffleNets have no `_initialize_weights`: every layer keeps PyTorch's default. `finish` already
   * gives the classifier (U(±1/√fan_in) weight and bias) and batch norm (γ = 1, β = 0, running stats 0 / 1) that;
   * convolution kernels are re-drawn afterwards from the same RNG, in weight order, as PyTorch's default
   * kaiming_uniform_(a=√5) = U(±1/√fan_in) with fan_in = (in_channels / groups)·k²:
   * - dense and per-group 1×1 kernels (`…/kernel`, [k, k, in/g, out/g]): fan_in = k²·in/g, core's `torchDefault`;
   * - depthwise kernels (`…/depthwise_kernel`, [3, 3, C, 1], groups = C): fan_in = 9 — core's shape-based fans would
   *   give 9·C, so the bound is passed explicitly.
   */
  private static referenceInit(this: void, name: string, shape: readonly number[]): InitializerSpec | undefined {
    if (name.endsWith('/depthwise_kernel')) return { type: 'torchDefaultBias', fanIn: shape[0]! * shape[1]! };
    return name.endsWith('/kernel') && shape.length === 4 ? { type: 'torchDefault' } : undefined;
  }

  private s(name: string): string {
    return this.scoped(name);
  }

  /** Batch norm with PyTorch's momentum 0.1 (tfjs: 0.9) and eps 1e-5. */
  private bn(x: Sym, name: string): Sym {
    return batchNormalization({ momentum: 0.9, epsilon: 1e-5, name: this.s(`${name}bn`) }).apply(x) as Sym;
  }

  private relu(x: Sym, name: string): Sym {
    return tfl.layers.reLU({ name: this.s(`${name}relu`) }).apply(x) as Sym;
  }

  private concat(xs: Sym[], name: string): Sym {
    const y = tfl.layers.concatenate({ axis: -1, name: this.s(name) }).apply(xs) as Sym;
    this.channels = (y.shape[y.shape.length - 1] as number) ?? this.channels;
    return y;
  }

  private slice(x: Sym, start: number, size: number, name: string): Sym {
    return new ChannelSlice({ start, size, name: this.s(name) }).apply(x) as Sym;
  }

  /**
   * 1×1 convolution without bias + BN, grouped as PyTorch's `groups = g`: the input is sliced into g channel groups,
   * each convolved to out/g channels, and the results concatenated in group order (tfjs `conv2d` has no groups).
   * Parameters: in·out/g; FLOPs 2·H·W·in·out/g.
   */
  private pointwiseBn(x: Sym, filters: number, groups: number, name: string): Sym {
    const cin = this.channels;
    if (cin % groups !== 0 || filters % groups !== 0) throw new Error(`shufflenet: ${cin} → ${filters} not divisible by ${groups} groups`);
    this.flops += (2 * this.height * this.width * cin * filters) / groups;
    const conv = (input: Sym, f: number, n: string) =>
      tfl.layers.conv2d({ filters: f, kernelSize: 1, padding: 'valid', useBias: false, name: this.s(`${n}conv`) }).apply(input) as Sym;
    let y: Sym;
    if (groups === 1) y = conv(x, filters, name);
    else {
      const parts: Sym[] = [];
      for (let i = 0; i < groups; i++)
        parts.push(conv(this.slice(x, (i * cin) / groups, cin / groups, `${name}g${i + 1}_slice`), filters / groups, `${name}g${i + 1}_`));
      y = tfl.layers.concatenate({ axis: -1, name: this.s(`${name}concat`) }).apply(parts) as Sym;
    }
    this.channels = filters;
    return this.bn(y, name);
  }

  /** Depthwise 3×3 convolution without bias (padded as PyTorch's) + BN. */
  private depthwiseBn(x: Sym, strides: 1 | 2, name: string): Sym {
    this.advance(strides);
    this.flops += 2 * this.height * this.width * 9 * this.channels;
    return this.bn(depthwiseConv3x3(x, strides, this.s(name)), name);
  }

  private advance(strides: 1 | 2): void {
    this.height = Math.ceil(this.height / strides);
    this.width = Math.ceil(this.width / strides);
  }

  /**
   * Channel shuffle with g groups, the reference's [N, C, H, W] → [N, g, C/g, H, W] → transpose(1, 2) → [N, C, H, W]
   * in NHWC: reshape [H, W, g, C/g] → permute to [H, W, C/g, g] → reshape [H, W, C]. Output channel j·g + i is input
   * channel i·(C/g) + j. Stock layers only (no custom class to serialise); a no-op for g = 1.
   */
  private shuffle(x: Sym, groups: number, name: string): Sym {
    if (groups === 1) return x;
    const { height: h, width: w, channels: c } = this;
    const a = tfl.layers.reshape({ targetShape: [h, w, groups, c / groups], name: this.s(`${name}shuffle_split`) }).apply(x) as Sym;
    const b = tfl.layers.permute({ dims: [1, 2, 4, 3], name: this.s(`${name}shuffle_permute`) }).apply(a) as Sym;
    return tfl.layers.reshape({ targetShape: [h, w, c], name: this.s(`${name}shuffle_merge`) }).apply(b) as Sym;
  }

  private build(o: ShufflenetOptions): BuiltLayersModel {
    const names: string[] = [];
    const outputs: Sym[] = [];
    [this.height, this.width, this.channels] = this.inputShape;
    const input = tfl.input({ shape: [...this.inputShape], name: this.s('input') });
    // Stem: conv1×1 (→ 24, no stride)-BN-ReLU, the reference's conv1/bn1 (feature f0).
    let h = this.relu(this.pointwiseBn(input, SHUFFLENET_STEM_CHANNELS, 1, 'stem_'), 'stem_');
    names.push('stem');
    outputs.push(h);
    const stage = (i: number, preact: Sym, out: Sym) => {
      names.push(`stage${i}_preact`, `stage${i}`);
      outputs.push(preact, out);
      this.stages.push({ name: `stage${i}`, outputShape: [this.height, this.width, this.channels] });
    };

    if (o.variant === 'shufflenetv1') {
      const { widths, units, groups } = SHUFFLENET_VARIANTS.shufflenetv1;
      widths.forEach((width, g) => {
        for (let u = 1; u <= units[g]!; u++) {
          const p = `stage${g + 1}_unit${u}_`;
          const down = u === 1;
          const cin = this.channels;
          const cout = down ? width - cin : width;
          const mid = Math.trunc(cout / 4);
          // The first pointwise conv is dense where its input is the 24-channel stem.
          const g1 = cin === SHUFFLENET_STEM_CHANNELS ? 1 : groups;
          let y = this.relu(this.pointwiseBn(h, mid, g1, `${p}conv1_`), `${p}conv1_`);
          y = this.shuffle(y, g1, p);
          y = this.relu(this.depthwiseBn(y, down ? 2 : 1, `${p}dw_`), `${p}dw_`);
          y = this.pointwiseBn(y, cout, groups, `${p}conv3_`);
          let preact: Sym;
          if (down) {
            // Shortcut AvgPool2d(3, stride 2, padding 1) with count_include_pad: zero padding + 'valid' pooling.
            const padded = tfl.layers.zeroPadding2d({ padding: 1, name: this.s(`${p}shortcut_pad`) }).apply(h) as Sym;
            const res = tfl.layers
              .averagePooling2d({ poolSize: 3, strides: 2, padding: 'valid', name: this.s(`${p}shortcut_pool`) })
              .apply(padded) as Sym;
            preact = this.concat([y, res], `${p}concat`);
          } else {
            preact = tfl.layers.add({ name: this.s(`${p}add`) }).apply([y, h]) as Sym;
          }
          h = this.relu(preact, p);
          if (u === units[g]) stage(g + 1, preact, h);
        }
      });
    } else {
      const { widths, units, last } = SHUFFLENET_VARIANTS.shufflenetv2;
      widths.forEach((width, g) => {
        // Down-sampling unit: left = dw3×3/2-BN, 1×1-BN-ReLU; right = 1×1-BN-ReLU, dw3×3/2-BN, 1×1-BN-ReLU; concat, shuffle.
        const p = `stage${g + 1}_down_`;
        const cin = this.channels;
        const mid = Math.trunc(width / 2);
        const [h0, w0] = [this.height, this.width];
        let left = this.depthwiseBn(h, 2, `${p}left_dw_`);
        left = this.relu(this.pointwiseBn(left, mid, 1, `${p}left_conv_`), `${p}left_conv_`);
        [this.height, this.width, this.channels] = [h0, w0, cin];
        let right = this.relu(this.pointwiseBn(h, mid, 1, `${p}right_conv1_`), `${p}right_conv1_`);
        right = this.depthwiseBn(right, 2, `${p}right_dw_`);
        right = this.relu(this.pointwiseBn(right, mid, 1, `${p}right_conv2_`), `${p}right_conv2_`);
        h = this.shuffle(this.concat([left, right], `${p}concat`), 2, p);
        for (let u = 1; u <= units[g]!; u++) {
          // Basic unit: split the channels in halves (x1, x2); x2 → 1×1-BN-ReLU, dw3×3-BN, 1×1-BN (= preact) → ReLU;
          // [x1, relu(preact)] shuffled is the output, [x1, preact] the pre-activation feature of the stage's last unit.
          const q = `stage${g + 1}_unit${u}_`;
          const c = this.channels;
          const half = Math.trunc(c / 2);
          const x1 = this.slice(h, 0, half, `${q}split1`);
          this.channels = c - half;
          let y = this.slice(h, half, c - half, `${q}split2`);
          y = this.relu(this.pointwiseBn(y, c - half, 1, `${q}conv1_`), `${q}conv1_`);
          y = this.depthwiseBn(y, 1, `${q}dw_`);
          const pre = this.pointwiseBn(y, c - half, 1, `${q}conv2_`);
          const act = this.relu(pre, `${q}conv2_`);
          const out = this.shuffle(this.concat([x1, act], `${q}concat`), 2, q);
          if (u === units[g]) stage(g + 1, this.concat([x1, pre], `${q}preact_concat`), out);
          h = out;
        }
      });
      // Head: conv1×1 (→ 1024)-BN-ReLU.
      h = this.relu(this.pointwiseBn(h, last, 1, 'head_'), 'head_');
    }

    // Average pooling (the reference's avg_pool2d(4) on the 4×4 map of a 32×32 input, here global) and classifier.
    return this.poolAndClassify(input, h, { names, outputs }, o.variant);
  }
}
