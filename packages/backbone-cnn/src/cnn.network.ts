import * as tf from '@tensorflow/tfjs-core';
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
import type { CnnOptions } from './cnn.options.js';

interface Outputs {
  readonly names: string[];
  readonly model: tfl.LayersModel;
}

/** The small CNN as a tfjs-layers functional model whose outputs are every stage feature, the embedding and the logits. */
export class CnnNetwork implements Network {
  readonly name: string;
  readonly stages: StageInfo[] = [];
  readonly numClasses: number;
  readonly inputShape: readonly [number, number, number];
  readonly spec: { name: string; options: Readonly<Record<string, unknown>> };
  private readonly built: Outputs;
  private readonly scope: string;
  private flops = 0;

  constructor(options: CnnOptions, context: BackboneContext) {
    this.numClasses = context.numClasses;
    this.inputShape = context.inputShape;
    this.scope = context.scope;
    this.name = context.scope;
    this.spec = { name: 'cnn', options: { ...options } };
    this.built = this.build(options);
    this.initialize(context);
  }

  private build(o: CnnOptions): Outputs {
    const s = (n: string) => `${this.scope}_${n}`;
    const input = tfl.input({ shape: [...this.inputShape], name: s('input') });
    const names: string[] = [];
    const outputs: tfl.SymbolicTensor[] = [];
    let h: tfl.SymbolicTensor = input;
    let [height, width, channels] = this.inputShape;
    o.channels.forEach((c, i) => {
      const stage = `stage${i + 1}`;
      let pre: tfl.SymbolicTensor = h;
      for (let j = 0; j < o.convsPerStage; j++) {
        this.flops += 2 * height * width * 9 * channels * c;
        channels = c;
        pre = tfl.layers
          .conv2d({ filters: c, kernelSize: 3, padding: 'same', useBias: !o.batchNorm, name: s(`${stage}_conv${j + 1}`) })
          .apply(h) as tfl.SymbolicTensor;
        if (o.batchNorm)
          pre = tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5, name: s(`${stage}_bn${j + 1}`) }).apply(pre) as tfl.SymbolicTensor;
        h = tfl.layers.reLU({ name: s(`${stage}_relu${j + 1}`) }).apply(pre) as tfl.SymbolicTensor;
      }
      names.push(`${stage}_preact`);
      outputs.push(pre);
      h = tfl.layers.maxPooling2d({ poolSize: 2, strides: 2, name: s(`${stage}_pool`) }).apply(h) as tfl.SymbolicTensor;
      height = Math.floor(height / 2);
      width = Math.floor(width / 2);
      names.push(stage);
      outputs.push(h);
      this.stages.push({ name: stage, outputShape: [height, width, c] });
    });
    let features = o.head === 'gap' ? channels : height * width * channels;
    let emb =
      o.head === 'gap'
        ? (tfl.layers.globalAveragePooling2d({ name: s('gap') }).apply(h) as tfl.SymbolicTensor)
        : (tfl.layers.flatten({ name: s('flatten') }).apply(h) as tfl.SymbolicTensor);
    if (o.hidden > 0) {
      this.flops += 2 * features * o.hidden;
      features = o.hidden;
    }
    if (o.hidden > 0) emb = tfl.layers.dense({ units: o.hidden, activation: 'relu', name: s('hidden') }).apply(emb) as tfl.SymbolicTensor;
    this.flops += 2 * features * this.numClasses;
    names.push('embedding');
    outputs.push(emb);
    const logits = tfl.layers.dense({ units: this.numClasses, name: s('classifier') }).apply(emb) as tfl.SymbolicTensor;
    names.push('logits');
    outputs.push(logits);
    return { names, model: tfl.model({ inputs: input, outputs, name: s('cnn') }) };
  }

  /** PyTorch-style initialisation from the run's RNG, in weight order (deterministic). */
  private initialize(context: BackboneContext): void {
    for (const w of this.built.model.weights) {
      const v = w.read() as tf.Variable;
      const n = w.originalName;
      let spec: InitializerSpec;
      if (n.endsWith('/kernel')) spec = v.rank === 4 ? { type: 'kaimingNormal', mode: 'fanOut' } : { type: 'torchDefault' };
      else if (n.endsWith('/bias')) {
        const kernel = this.built.model.weights.find((k) => k.originalName === n.replace(/\/bias$/, '/kernel'));
        const shape = kernel?.shape ?? [1];
        const fanIn = shape.length === 4 ? shape[0]! * shape[1]! * shape[2]! : shape[0]!;
        spec = { type: 'torchDefaultBias', fanIn };
      } else if (n.endsWith('/gamma') || n.endsWith('/moving_variance')) spec = { type: 'ones' };
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

  /** Convolutions and dense layers; batch norm, ReLU and pooling are a few per cent more and not counted. */
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
