import * as tfl from '@tensorflow/tfjs-layers';
import { batchNormalization, PreactBatchNormNetwork, reinitializeWeights, type BackboneContext, type BuiltLayersModel } from '@kd/core';
import { wrnGeometry, type WrnOptions } from './wrn.options.js';

type Sym = tfl.SymbolicTensor;

/**
 * A CIFAR Wide ResNet (RepDistiller / mdistiller `models/cifar/wrn.py`, dropout 0) as a tfjs-layers functional
 * model whose outputs are every stage feature, the embedding and the logits.
 */
export class WrnNetwork extends PreactBatchNormNetwork {
  constructor(options: WrnOptions, context: BackboneContext) {
    const geometry = wrnGeometry(options);
    super('wrn', options as unknown as Record<string, unknown>, context);
    const built = this.build(options, geometry);
    this.finish(built, context.rng);
    // The reference zeroes the linear bias (its weight keeps PyTorch's default U(±1/√fan_in)).
    const bias = this.scoped('classifier/bias');
    reinitializeWeights(built.model, context.rng, (name) => (name === bias ? { type: 'zeros' } : undefined));
  }

  private build(o: WrnOptions, { blocks, widths }: ReturnType<typeof wrnGeometry>): BuiltLayersModel {
    const s = (n: string) => this.scoped(n);
    const dims = (x: Sym) => x.shape.slice(1) as [number, number, number];

    // Convolution without bias, padded as PyTorch's `padding = k // 2`. A stride-2 3×3 conv is padded explicitly by
    // one pixel on every side and run 'valid': tfjs 'same' would put the whole padding of an even map at the
    // bottom/right and sample different pixels than PyTorch. (A 1×1 stride-2 conv needs no padding either way.)
    const conv = (x: Sym, filters: number, kernelSize: 1 | 3, strides: 1 | 2, name: string): Sym => {
      const explicitPad = kernelSize === 3 && strides === 2;
      const padded = explicitPad ? (tfl.layers.zeroPadding2d({ padding: 1, name: s(`${name}pad`) }).apply(x) as Sym) : x;
      const y = tfl.layers
        .conv2d({ filters, kernelSize, strides, padding: explicitPad ? 'valid' : 'same', useBias: false, name: s(`${name}conv`) })
        .apply(padded) as Sym;
      const [h, w, c] = dims(y);
      this.flops += 2 * h * w * kernelSize * kernelSize * dims(x)[2] * c;
      return y;
    };
    // Batch norm with PyTorch's momentum 0.1 (tfjs: 0.9) and eps 1e-5.
    const bn = (x: Sym, name: string): Sym => batchNormalization({ momentum: 0.9, epsilon: 1e-5, name: s(`${name}bn`) }).apply(x) as Sym;
    const relu = (x: Sym, name: string): Sym => tfl.layers.reLU({ name: s(`${name}relu`) }).apply(x) as Sym;

    const input = tfl.input({ shape: [...this.inputShape], name: s('input') });
    // Stem: a bare 3×3 conv (no BN, no ReLU: the first block pre-activates it); the reference's f0.
    let h = conv(input, widths[0], 3, 1, 'stem_');
    const names: string[] = ['stem'];
    const outputs: Sym[] = [h];

    for (let stage = 1; stage <= 3; stage++) {
      const planes = widths[stage]!;
      for (let b = 1; b <= blocks; b++) {
        const stride: 1 | 2 = stage > 1 && b === 1 ? 2 : 1;
        const p = `stage${stage}_block${b}_`;
        const equalInOut = dims(h)[2] === planes;
        // Pre-activation BN-ReLU of the block input. Before the first block of groups 2 and 3 this BN of the
        // previous group's output is the reference's preact feature (its `get_bn_before_relu`).
        const preact = bn(h, `${p}1_`);
        if (b === 1 && stage > 1) {
          names.push(`stage${stage - 1}_preact`);
          outputs.push(preact);
          this.preactFrom(`stage${stage - 1}_preact`, `${p}1_bn`);
        }
        const act = relu(preact, `${p}1_`);
        // Main path: conv3×3(stride) → BN → ReLU → conv3×3 (dropout 0 in the KD configurations).
        let out = conv(act, planes, 3, stride, `${p}1_`);
        out = relu(bn(out, `${p}2_`), `${p}2_`);
        out = conv(out, planes, 3, 1, `${p}2_`);
        // Shortcut: the identity on the raw input where the widths agree, else a 1×1 conv(stride) of the activated
        // input (the reference's `convShortcut`, no BN).
        const shortcut = equalInOut && stride === 1 ? h : conv(act, planes, 1, stride, `${p}short_`);
        h = tfl.layers.add({ name: s(`${p}add`) }).apply([shortcut, out]) as Sym;
      }
      names.push(`stage${stage}`);
      outputs.push(h);
      this.stages.push({ name: `stage${stage}`, outputShape: dims(h) });
    }

    // Final BN (its output is stage3_preact) → ReLU → global average pooling (the reference's avg_pool2d(8) on the
    // 8×8 map of a 32×32 input) → linear classifier with bias.
    const finalPre = bn(h, 'final_');
    const finalAct = relu(finalPre, 'final_');
    this.preactFrom('stage3_preact', 'final_bn');
    // stage3_relu is the tensor that is pooled: IE-KD's reference taps WRN there (after the final BN + ReLU)
    names.push('stage3_preact', 'stage3_relu');
    outputs.push(finalPre, finalAct);
    return this.poolAndClassify(input, finalAct, { names, outputs }, `wrn_${o.depth}_${o.widen}`);
  }
}
