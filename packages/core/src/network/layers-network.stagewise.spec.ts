import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BackboneContext } from '../contracts/network.js';
import { Rng } from '../rng/rng.js';
import { LayersNetwork, type BuiltLayersModel } from './layers-network.js';

/** Two stages (the second with a residual from the first's output), then the shared head; optionally a skip from the input that makes stage 2 not separable. */
class TwoStageNet extends LayersNetwork {
  constructor(context: BackboneContext, leakyInputSkip = false) {
    super('two-stage', {}, context);
    const s = (n: string) => this.scoped(n);
    const input = tfl.input({ shape: [...this.inputShape], name: s('input') });
    const pre1 = tfl.layers
      .batchNormalization({ name: s('bn1') })
      .apply(
        tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false, name: s('conv1') }).apply(input),
      ) as tfl.SymbolicTensor;
    const stage1 = tfl.layers.reLU({ name: s('relu1') }).apply(pre1) as tfl.SymbolicTensor;
    const conv2 = tfl.layers
      .batchNormalization({ name: s('bn2') })
      .apply(
        tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false, name: s('conv2') }).apply(stage1),
      ) as tfl.SymbolicTensor;
    const skip = leakyInputSkip
      ? (tfl.layers.conv2d({ filters: 4, kernelSize: 1, name: s('input_skip') }).apply(input) as tfl.SymbolicTensor)
      : stage1;
    const pre2 = tfl.layers.add({ name: s('add2') }).apply([conv2, skip]) as tfl.SymbolicTensor;
    const stage2 = tfl.layers.reLU({ name: s('relu2') }).apply(pre2) as tfl.SymbolicTensor;
    this.stages.push({ name: 'stage1', outputShape: [6, 6, 4] }, { name: 'stage2', outputShape: [6, 6, 4] });
    const built: BuiltLayersModel = this.poolAndClassify(
      input,
      stage2,
      { names: ['stage1_preact', 'stage1', 'stage2_preact', 'stage2'], outputs: [pre1, stage1, pre2, stage2] },
      'two_stage',
    );
    this.finish(built, context.rng);
  }
}

const context = (scope: string): BackboneContext => ({ numClasses: 3, inputShape: [6, 6, 2], rng: new Rng(11), scope });

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

describe('LayersNetwork stage-by-stage execution', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('composes to the whole-network forward pass, features included, in inference and training mode', () => {
    const net = new TwoStageNet(context('a'));
    const x = tf.randomNormal([2, 6, 6, 2], 0, 1, 'float32', 5) as tf.Tensor4D;
    for (const training of [false, true]) {
      tf.tidy(() => {
        const whole = net.apply(x, { training });
        const s1 = net.applyStage(0, x, { training });
        const s2 = net.applyStage(1, s1['stage1']!, { training });
        const head = net.applyHead(s2['stage2']!, { training });
        expect(Object.keys(s1).sort()).toEqual(['stage1', 'stage1_preact']);
        expect(Object.keys(s2).sort()).toEqual(['stage2', 'stage2_preact']);
        for (const [name, t] of Object.entries({ ...s1, ...s2 })) expect(maxAbsDiff(t, whole.features[name]!)).toBeLessThan(1e-6);
        expect(maxAbsDiff(head.logits, whole.logits)).toBeLessThan(1e-6);
        expect(maxAbsDiff(head.embedding, whole.embedding)).toBeLessThan(1e-6);
      });
    }
    net.dispose();
    x.dispose();
  });

  it('gives every trainable variable to exactly one stage or the head', () => {
    const net = new TwoStageNet(context('b'));
    const parts = [0, 1, 2].map((i) => net.stageVariables(i).map((v) => v.name));
    expect(parts[0]!.some((n) => n.includes('conv1'))).toBe(true);
    expect(parts[1]!.some((n) => n.includes('conv2'))).toBe(true);
    expect(parts[2]!.some((n) => n.includes('classifier'))).toBe(true);
    expect(parts.flat().sort()).toEqual(
      net
        .trainableVariables()
        .map((v) => v.name)
        .sort(),
    );
    expect(() => net.stageVariables(3)).toThrow(/out of range/);
    net.dispose();
  });

  it('stops gradients at a fed boundary: a later stage loss reaches only its own variables', () => {
    const net = new TwoStageNet(context('c'));
    const x = tf.randomNormal([2, 6, 6, 2], 0, 1, 'float32', 6) as tf.Tensor4D;
    const all = net.trainableVariables();
    const own = new Set(net.stageVariables(1).map((v) => v.name));
    tf.tidy(() => {
      const boundary = net.applyStage(0, x, { training: true })['stage1']!;
      const { grads } = tf.variableGrads(
        () => tf.mean(tf.square(net.applyStage(1, boundary, { training: true })['stage2']!)) as tf.Scalar,
        all,
      );
      expect(Object.keys(grads).sort()).toEqual([...own].filter((n) => !n.includes('moving')).sort());
      // The same loss through the whole network does reach stage 1, so the check above can fail.
      const whole = tf.variableGrads(() => tf.mean(tf.square(net.apply(x, { training: true }).features['stage2']!)) as tf.Scalar, all);
      expect(Object.keys(whole.grads).some((n) => n.includes('conv1'))).toBe(true);
    });
    net.dispose();
    x.dispose();
  });

  it('refuses a split that a skip connection from the input bypasses', () => {
    const net = new TwoStageNet(context('d'), true);
    expect(() => net.stageVariables(0)).toThrow(/does not cut the graph/);
    net.dispose();
  });

  it('leaves no tensors behind', () => {
    const net = new TwoStageNet(context('e'));
    const x = tf.randomNormal([2, 6, 6, 2]) as tf.Tensor4D;
    tf.tidy(() => {
      net.applyHead(net.applyStage(1, net.applyStage(0, x, { training: false })['stage1']!, { training: false })['stage2']!, {
        training: false,
      });
    });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      tf.tidy(() => {
        net.applyHead(net.applyStage(1, net.applyStage(0, x, { training: true })['stage1']!, { training: true })['stage2']!, {
          training: true,
        });
      });
    }
    expect(tf.memory().numTensors).toBe(before);
    net.dispose();
    x.dispose();
  });
});
