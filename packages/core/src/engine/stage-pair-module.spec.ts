import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import type { StagePairChannels } from '../network/stage-pair-channels.js';
import { StagePairModule } from './stage-pair-module.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

interface PairVariables {
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable;
}

/** A kernel [Cs, Ct] and a bias [Ct] per pair; `frozenBias` leaves the biases out of training, as VID's α can be. */
class Demo extends StagePairModule<PairVariables> {
  readonly name = 'demo';
  readonly built: string[] = [];

  constructor(
    geometry: readonly StagePairChannels[],
    readonly frozenBias = false,
    log: string[] = [],
  ) {
    super(geometry, ({ name, studentChannels: s, teacherChannels: t }) => {
      log.push(name);
      return tf.tidy(() => ({ kernel: tf.variable(tf.zeros([s, t])), bias: tf.variable(tf.ones([t])) }));
    });
    this.built = log;
  }

  override trainableVariables(): tf.Variable[] {
    return this.frozenBias ? this.pairs.map((p) => p.kernel) : super.trainableVariables();
  }
}

const GEOMETRY: StagePairChannels[] = [
  { name: 'stage2', studentChannels: 2, teacherChannels: 3 },
  { name: 'stage3', studentChannels: 3, teacherChannels: 4 },
];

describe('StagePairModule', () => {
  it('builds one set per pair, in the order of the geometry', () => {
    const m = new Demo(GEOMETRY);
    expect(m.built).toEqual(['stage2', 'stage3']);
    expect(m.pairs.map((p) => [p.kernel.shape, p.bias.shape])).toEqual([
      [[2, 3], [3]],
      [[3, 4], [4]],
    ]);
    m.dispose();
  });

  it('names each variable <pair>/<key>, keys in the order the builder wrote them', () => {
    const m = new Demo(GEOMETRY);
    const named = m.stateVariables();
    expect(named.map((v) => v.name)).toEqual(['stage2/kernel', 'stage2/bias', 'stage3/kernel', 'stage3/bias']);
    expect(named.map((v) => v.variable)).toEqual([m.pairs[0]!.kernel, m.pairs[0]!.bias, m.pairs[1]!.kernel, m.pairs[1]!.bias]);
    m.dispose();
  });

  it('trains every variable by default, and counts them: 2·3 + 3 + 3·4 + 4 = 25', () => {
    const m = new Demo(GEOMETRY);
    expect(m.trainableVariables()).toEqual(m.stateVariables().map((v) => v.variable));
    expect(m.countParams()).toBe(25);
    m.dispose();
  });

  it('checkpoints what a subclass leaves out of training', () => {
    const m = new Demo(GEOMETRY, true);
    expect(m.trainableVariables()).toEqual([m.pairs[0]!.kernel, m.pairs[1]!.kernel]);
    expect(m.stateVariables()).toHaveLength(4);
    expect(m.countParams()).toBe(2 * 3 + 3 * 4);
    m.dispose();
  });

  it('disposes every variable once, leaving no tensor behind', () => {
    const before = tf.memory().numTensors;
    const m = new Demo(GEOMETRY);
    expect(tf.memory().numTensors).toBe(before + 4);
    m.dispose();
    m.dispose();
    expect(m.stateVariables().every((v) => v.variable.isDisposed)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });
});
