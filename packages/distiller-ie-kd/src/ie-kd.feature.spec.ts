import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { container } from 'tsyringe';
import { Rng, RunEvents, compilePluginSchema, type Network } from '@kd/core';
import { cnnPlugin } from '@kd/backbone-cnn';
import { WrnNetwork } from '@kd/backbone-wrn';
import { IeKdDistiller } from './ie-kd.distiller.js';
import { ieKdOptionsSchema, type IeKdOptions } from './ie-kd.options.js';

function options(over: Record<string, unknown> = {}): IeKdOptions {
  const o = { name: 'ie-kd', cache: false, ckaSamples: 0, ...over };
  const validate = new Ajv2020({ strict: true, useDefaults: true }).compile(ieKdOptionsSchema);
  if (!validate(o)) throw new Error(JSON.stringify(validate.errors));
  return o as unknown as IeKdOptions;
}

/** WRN-16-1 (the CIFAR student of the WRN-40-2 → WRN-16-1 pair) on 8×8 images, so stage 3 is 2×2×64. */
const wrn16x1 = (scope: string, seed: number) =>
  new WrnNetwork({ name: 'wrn', depth: 16, widen: 1 }, { numClasses: 10, inputShape: [8, 8, 3], rng: new Rng(seed), scope });

function cnn(channels: number[], scope: string): Network {
  const o: Record<string, unknown> = { name: 'cnn', channels };
  compilePluginSchema(cnnPlugin.manifest)(o);
  return cnnPlugin.create(o as never, {
    container,
    baseDir: '.',
    numClasses: 10,
    inputShape: [8, 8, 3],
    rng: new Rng(5),
    scope,
  }) as Network;
}

function setUp(o: IeKdOptions, student: Network, teacher: Network): IeKdDistiller {
  const d = new IeKdDistiller(o, { baseDir: '.' });
  d.setup({
    student,
    teacher,
    numClasses: 10,
    rng: new Rng(1),
    events: new RunEvents(),
    runDir: '.',
    createNetwork: async () => Promise.reject(new Error('unused')),
  });
  return d;
}

describe('IE-KD’s "last" feature', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('on WRN is stage3_relu = relu(final BN(block 3 output)), the tensor the official code taps; "stage3" stays selectable', () => {
    const [student, teacher] = [wrn16x1('s', 2), wrn16x1('t', 3)];
    const d = setUp(options(), student, teacher);
    expect(d.teacherFactors.teacherTap).toEqual({ name: 'stage3_relu', shape: [2, 2, 64] });
    // The factor the student is pulled towards is the encoder's output on that tensor, and not on the raw block output.
    tf.tidy(() => {
      const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
      const out = teacher.apply(x, { training: false });
      const factor = d.teacherFactors.teacherPass(teacher, x).factor;
      const encode = (f: string) => d.teacherFactors.module.encode(out.features[f] as tf.Tensor4D, false);
      expect(tf.max(tf.abs(tf.sub(factor, encode('stage3_relu')))).dataSync()[0]).toBe(0);
      expect(tf.max(tf.abs(tf.sub(factor, encode('stage3')))).dataSync()[0]).toBeGreaterThan(1e-3);
      // stage3_relu ≥ 0 everywhere; the raw pre-activation-block output is not
      expect(tf.min(out.features['stage3_relu']!).dataSync()[0]).toBeGreaterThanOrEqual(0);
      expect(tf.min(out.features['stage3']!).dataSync()[0]).toBeLessThan(0);
    });
    // The student side resolves the same way: its split takes stage3_relu's 64 channels.
    expect(d.channelSplitter.inheritanceChannels + d.channelSplitter.explorationChannels).toBe(64);
    const raw = setUp(options({ teacherFeature: 'stage3', studentFeature: 'stage3' }), student, teacher);
    expect(raw.teacherFactors.teacherTap.name).toBe('stage3');
    [d, raw].forEach((x) => x.dispose?.());
    [student, teacher].forEach((n) => n.dispose());
  });

  it('on a backbone without a `<last>_relu` tap is the last stage output', () => {
    const [student, teacher] = [cnn([4, 6], 's'), cnn([8, 6], 't')];
    const d = setUp(options(), student, teacher);
    expect(d.teacherFactors.teacherTap.name).toBe('stage2');
    d.dispose?.();
    [student, teacher].forEach((n) => n.dispose());
  });

  it('splits an odd channel count as the official divide_features: int(C/2) inherit, and the encoders match the split', () => {
    const [student, teacher] = [cnn([4, 5], 's'), cnn([8, 6], 't')];
    const d = setUp(options(), student, teacher);
    expect([d.channelSplitter.inheritanceChannels, d.channelSplitter.explorationChannels]).toEqual([2, 3]);
    tf.tidy(() => {
      const f = d.studentFactors(tf.randomNormal([2, 2, 2, 5], 0, 1, 'float32', 1) as tf.Tensor4D, false);
      expect(f.inheritance.shape[3]).toBe(d.teacherFactors.factorChannels);
      expect(f.exploration!.shape[3]).toBe(d.teacherFactors.factorChannels);
    });
    d.dispose?.();
    [student, teacher].forEach((n) => n.dispose());
  });
});
