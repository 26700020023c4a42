import * as tfl from '@tensorflow/tfjs-layers';
import { batchNormalization, PreactBatchNormNetwork, reinitializeWeights, type BackboneContext, type BuiltLayersModel } from '@kd/core';
import { VGG_VARIANTS, type VggOptions } from './vgg.options.js';

type Sym = tfl.SymbolicTensor;

/**
 * A CIFAR VGG with batch norm (RepDistiller / mdistiller `models/cifar/vgg.py`, the `_bn` models) as a tfjs-layers
 * functional model whose outputs are every stage feature, the embedding and the logits.
 */
export class VggNetwork extends PreactBatchNormNetwork {
  constructor(options: VggOptions, context: BackboneContext) {
    if (!(options.variant in VGG_VARIANTS)) throw new Error(`vgg: unknown variant '${String(options.variant)}'`);
    super('vgg', options as unknown as Record<string, unknown>, context);
    const built = this.build(options);
    this.finish(built, context.rng);
    // Where the reference departs from PyTorch's defaults: convolution biases zero, the classifier weight
    // normal(0, 0.01) and its bias zero.
    const classifier = this.scoped('classifier/kernel');
    reinitializeWeights(built.model, context.rng, (name) =>
      name === classifier ? { type: 'normal', std: 0.01 } : name.endsWith('/bias') ? { type: 'zeros' } : undefined,
    );
  }

  private build(o: VggOptions): BuiltLayersModel {
    const cfg = VGG_VARIANTS[o.variant];
    const s = (n: string) => this.scoped(n);
    const dims = (x: Sym) => x.shape.slice(1) as [number, number, number];
    const names: string[] = [];
    const outputs: Sym[] = [];
    const relu = (x: Sym, name: string): Sym => tfl.layers.reLU({ name: s(name) }).apply(x) as Sym;

    // A block: 3×3 conv (with bias; stride 1, so tfjs 'same' pads as PyTorch's padding=1) → BN (PyTorch momentum 0.1,
    // tfjs 0.9; eps 1e-5) → ReLU, repeated, without the last ReLU (the reference drops it: the block ends at its BN).
    const block = (x: Sym, k: number): Sym => {
      let h = x;
      cfg[k]!.forEach((filters, j) => {
        const p = `block${k}_${j + 1}_`;
        if (j > 0) h = relu(h, `${p}in_relu`);
        const cin = dims(h)[2];
        h = tfl.layers.conv2d({ filters, kernelSize: 3, padding: 'same', useBias: true, name: s(`${p}conv`) }).apply(h) as Sym;
        const [hh, ww] = dims(h);
        this.flops += 2 * hh * ww * 9 * cin * filters;
        h = batchNormalization({ momentum: 0.9, epsilon: 1e-5, name: s(`${p}bn`) }).apply(h) as Sym;
      });
      return h;
    };
    // 2×2 max pooling, stride 2 (floors odd sizes, as PyTorch).
    const pool = (x: Sym, k: number): Sym =>
      tfl.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'valid', name: s(`pool${k}`) }).apply(x) as Sym;

    const input = tfl.input({ shape: [...this.inputShape], name: s('input') });
    // Block 0 and its ReLU: the reference's f0 (it has no separate preact feature).
    let h = relu(block(input, 0), 'stem_relu');
    names.push('stem');
    outputs.push(h);
    for (let k = 1; k <= 4; k++) {
      // Pooling before blocks 1–3; before block 4 only for a 64×64 input (the reference's `if h == 64`).
      if (k < 4 || this.inputShape[0] === 64) h = pool(h, k - 1);
      const pre = block(h, k);
      this.preactFrom(`stage${k}_preact`, `block${k}_${cfg[k]!.length}_bn`);
      h = relu(pre, `stage${k}_relu`);
      names.push(`stage${k}_preact`, `stage${k}`);
      outputs.push(pre, h);
      this.stages.push({ name: `stage${k}`, outputShape: dims(h) });
    }

    // Global average pooling (the reference's AdaptiveAvgPool2d(1)) → linear classifier 512 → classes with bias.
    return this.poolAndClassify(input, h, { names, outputs }, o.variant);
  }
}
