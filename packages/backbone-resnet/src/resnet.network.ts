import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  initializeVariable,
  type BackboneContext,
  type ForwardOptions,
  type InitializerSpec,
  type NamedVariable,
  type Network,
  type NetworkOutput,
  type StageInfo,
} from '@kd/core';
import { RESNET_VARIANTS, type ResnetOptions } from './resnet.options.js';

interface Built {
  readonly names: string[];
  readonly model: tfl.LayersModel;
}

type Sym = tfl.SymbolicTensor;

/**
 * A CIFAR ResNet (RepDistiller / mdistiller `models/cifar/resnet.py`) as a tfjs-layers functional model whose
 * outputs are every stage feature, the embedding and the logits.
 */
export class ResnetNetwork implements Network {
  readonly name: string;
  readonly stages: StageInfo[] = [];
  readonly numClasses: number;
  readonly inputShape: readonly [number, number, number];
  readonly spec: { name: string; options: Readonly<Record<string, unknown>> };
  private readonly built: Built;
  private readonly scope: string;
  private flops = 0;

  constructor(options: ResnetOptions, context: BackboneContext) {
    if (!(options.variant in RESNET_VARIANTS)) throw new Error(`resnet: unknown variant '${String(options.variant)}'`);
    this.numClasses = context.numClasses;
    this.inputShape = context.inputShape;
    this.scope = context.scope;
    this.name = context.scope;
    this.spec = { name: 'resnet', options: { ...options } };
    this.built = this.build(options);
    this.initialize(context);
  }

  private build(o: ResnetOptions): Built {
    const { depth, widths } = RESNET_VARIANTS[o.variant];
    const blocks = (depth - 2) / 6;
    const s = (n: string) => `${this.scope}_${n}`;
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

  /** PyTorch-style initialisation from the run's RNG, in weight order (deterministic). */
  private initialize(context: BackboneContext): void {
    for (const w of this.built.model.weights) {
      const v = w.read() as tf.Variable;
      const n = w.originalName;
      let spec: InitializerSpec;
      if (n.endsWith('/kernel')) spec = v.rank === 4 ? { type: 'kaimingNormal', mode: 'fanOut' } : { type: 'torchDefault' };
      else if (n.endsWith('/bias')) {
        // Only the classifier has a bias: U(±1/√fan_in) of its weight.
        const kernel = this.built.model.weights.find((k) => k.originalName === n.replace(/\/bias$/, '/kernel'));
        spec = { type: 'torchDefaultBias', fanIn: kernel?.shape[0] ?? 1 };
      }
      else if (n.endsWith('/gamma') || n.endsWith('/moving_variance')) spec = { type: 'ones' };
      else spec = { type: 'zeros' };
      initializeVariable(v, spec, context.rng);
    }
  }

  apply(x: tf.Tensor4D, options: ForwardOptions): NetworkOutput {
    const outs = this.built.model.apply(x, { training: options.training }) as tf.Tensor[];
    const features: Record<string, tf.Tensor> = {};
    let embedding: tf.Tensor2D | undefined;
    let logits: tf.Tensor2D | undefined;
    this.built.names.forEach((n, i) => {
      if (n === 'logits') logits = outs[i] as tf.Tensor2D;
      else if (n === 'embedding') embedding = outs[i] as tf.Tensor2D;
      else features[n] = outs[i]!;
    });
    return { logits: logits!, embedding: embedding!, features };
  }

  trainableVariables(): tf.Variable[] {
    return this.built.model.trainableWeights.map((w) => w.read() as tf.Variable);
  }

  /** Names without the scope prefix, so a teacher trained as `student` loads into `teacher`. */
  stateVariables(): NamedVariable[] {
    const prefix = `${this.scope}_`;
    return this.built.model.weights.map((w) => ({
      name: w.originalName.startsWith(prefix) ? w.originalName.slice(prefix.length) : w.originalName,
      variable: w.read() as tf.Variable,
    }));
  }

  countParams(): number {
    return this.built.model.trainableWeights.reduce((a, w) => a + (w.shape as number[]).reduce((p, d) => p * d, 1), 0);
  }

  /** Convolutions (shortcuts included) and the classifier, a multiply-add counting 2; BN, ReLU, adds and pooling are not counted. */
  countFlops(): number {
    return this.flops;
  }

  toLayersModel(): tfl.LayersModel {
    const m = this.built.model;
    return tfl.model({ inputs: m.inputs, outputs: m.outputs[m.outputs.length - 1]!, name: `${this.scope}_classifier` });
  }

  dispose(): void {
    this.built.model.dispose();
  }
}
