import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Network } from '@kd/core';
import { tinyCnn } from '../test/networks.js';
import { StagedTeacher, teacherSource } from './teacher-pass.js';

describe('the teacher run stage by stage', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('gives the same features and logits as one full pass, holds only what is still wanted, and frees everything', () => {
    const teacher = tinyCnn([4, 8, 8], 't', 3, [16, 16, 1]);
    const x = tf.randomNormal([4, 16, 16, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
    const full = teacher.apply(x, { training: false });
    const before = tf.memory().numTensors;
    // stage2 is asked by two modules (two releases), stage1 and stage3 by one each
    const source = teacherSource(teacher, x, ['stage1', 'stage2', 'stage2', 'stage3']);
    expect(source).toBeInstanceOf(StagedTeacher);
    const same = (a: tf.Tensor, b: tf.Tensor) => expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    same(source.feature('stage1')!, full.features['stage1']!);
    // after stage 1: its wanted feature and the stage output the next stage reads
    expect(tf.memory().numTensors - before).toBe(2);
    source.release('stage1');
    expect(tf.memory().numTensors - before).toBe(1);
    same(source.feature('stage2')!, full.features['stage2']!);
    source.release('stage2');
    same(source.feature('stage2')!, full.features['stage2']!);
    source.release('stage2');
    same(source.feature('stage3')!, full.features['stage3']!);
    same(source.logits(), full.logits);
    expect(source.featureNames()).toEqual(expect.arrayContaining(['stage1', 'stage2', 'stage3']));
    expect(source.feature('nothing')).toBeUndefined();
    source.dispose();
    expect(tf.memory().numTensors).toBe(before);
    [x, full.logits, full.embedding, ...Object.values(full.features)].forEach((t) => t.dispose());
    teacher.dispose();
  });

  it('falls back to one full inference pass for a network without applyStage, keeping nothing after dispose', () => {
    const net = tinyCnn([4, 8], 't2', 4, [12, 12, 1]);
    const bare: Network = Object.assign(Object.create(net) as Network, { applyStage: undefined, applyHead: undefined });
    const x = tf.randomNormal([2, 12, 12, 1], 0, 1, 'float32', 8) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const source = teacherSource(bare, x, ['stage2']);
    expect(source).not.toBeInstanceOf(StagedTeacher);
    const want = tf.tidy(() => net.apply(x, { training: false }).features['stage2']!.dataSync());
    expect(Array.from(source.feature('stage2')!.dataSync())).toEqual(Array.from(want));
    source.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    net.dispose();
  });
});
