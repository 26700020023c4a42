import * as tfl from '@tensorflow/tfjs-layers';
import { batchNormalization, PreactBatchNormNetwork, type BackboneContext, type BuiltLayersModel } from '@kd/core';
import type { CnnOptions } from './cnn.options.js';

/** The small CNN as a tfjs-layers functional model whose outputs are every stage feature, the embedding and the logits. */
export class CnnNetwork extends PreactBatchNormNetwork {
  constructor(options: CnnOptions, context: BackboneContext) {
    super('cnn', options as unknown as Record<string, unknown>, context);
    this.finish(this.build(options), context.rng);
  }

  private build(o: CnnOptions): BuiltLayersModel {
    const s = (n: string) => this.scoped(n);
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
          pre = batchNormalization({ momentum: 0.9, epsilon: 1e-5, name: s(`${stage}_bn${j + 1}`) }).apply(pre) as tfl.SymbolicTensor;
        h = tfl.layers.reLU({ name: s(`${stage}_relu${j + 1}`) }).apply(pre) as tfl.SymbolicTensor;
      }
      if (o.batchNorm) this.preactFrom(`${stage}_preact`, `${stage}_bn${o.convsPerStage}`);
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
}
