import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import type { Distiller, LossInputs, Network } from '../index.js';
import { Optimizer } from './optimizer.js';
import { trainingStep } from './training-step.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A linear "network" on a 1×1×2 image: logits = x·W, enough to take a real gradient step. */
function linear(w: tf.Variable): Network {
  return {
    name: 'student',
    apply: (x: tf.Tensor4D) => {
      const logits = tf.matMul(tf.reshape(x, [x.shape[0], 2]), w) as tf.Tensor2D;
      return { logits, embedding: logits, features: {} };
    },
    trainableVariables: () => [w],
  } as unknown as Network;
}

describe('trainingStep', () => {
  it('hands the batch’s sample positions to the distiller’s loss, and nothing when the batch has none', () => {
    const w = tf.variable(tf.tensor2d([1, 0, 0, 1], [2, 2]));
    const seen: (Int32Array | undefined)[] = [];
    const distiller: Distiller = {
      usesTeacher: false,
      computeLoss: (inputs: LossInputs) => {
        seen.push(inputs.sampleIndex);
        return { total: tf.mean(inputs.student.logits) as tf.Scalar, terms: {} };
      },
    };
    const optimizer = new Optimizer({ type: 'sgd', lr: 0.1 }, [{ id: 'w', variable: w, decay: false }]);
    const x = tf.tensor4d([1, 2, 3, 4], [2, 1, 1, 2]);
    const y = tf.tensor1d([0, 1], 'int32');
    const info = { epoch: 0, epochs: 1, step: 0, globalStep: 0, stage: 'train' };
    const index = Int32Array.from([7, 3]);
    const before = tf.memory().numTensors;
    trainingStep({ student: linear(w), distiller, numClasses: 2 }, { x, y, index }, [w], optimizer, info);
    trainingStep({ student: linear(w), distiller, numClasses: 2 }, { x, y }, [w], optimizer, info);
    expect(seen).toEqual([index, undefined]);
    expect(tf.memory().numTensors).toBe(before);
    // d mean(x·W)/dW = column sums of x / 4 = [1, 1; 1.5, 1.5]; two steps of lr 0.1.
    Array.from(w.dataSync()).forEach((v, i) => expect(v).toBeCloseTo([0.8, -0.2, -0.3, 0.7][i]!, 6));
    tf.dispose([w, x, y]);
  });

  it('reads every term, scalar and the right-prediction count of a step, also for a distiller that owns its update', () => {
    const w = tf.variable(tf.tensor2d([1, 0, 0, 1], [2, 2]));
    const optimizer = new Optimizer({ type: 'sgd', lr: 0.1 }, [{ id: 'w', variable: w, decay: false }]);
    // logits = x with W = I: rows [3, 1] → class 0, [1, 2] → class 1, [5, 4] → class 0; labels 0, 0, 0 → 2 right.
    const x = tf.tensor4d([3, 1, 1, 2, 5, 4], [3, 1, 1, 2]);
    const y = tf.tensor1d([0, 0, 0], 'int32');
    const info = { epoch: 0, epochs: 1, step: 0, globalStep: 0, stage: 'train' };
    const owner: Distiller = {
      usesTeacher: false,
      trainStep: (ctx) => ({
        total: tf.scalar(1.5),
        terms: { a: tf.scalar(0.5), b: tf.scalar(1) },
        scalars: { weight: tf.scalar(0.25), fixed: 7 },
        studentLogits: ctx.student.apply(ctx.x, { training: true }).logits,
      }),
    };
    const before = tf.memory().numTensors;
    const own = trainingStep({ student: linear(w), distiller: owner, numClasses: 2 }, { x, y }, [w], optimizer, info);
    expect(own).toEqual({ losses: { total: 1.5, a: 0.5, b: 1 }, scalars: { weight: 0.25, fixed: 7 }, correct: 2 });
    const silent: Distiller = { usesTeacher: false, trainStep: () => ({ total: tf.scalar(2), terms: {} }) };
    expect(trainingStep({ student: linear(w), distiller: silent, numClasses: 2 }, { x, y }, [w], optimizer, info)).toEqual({
      losses: { total: 2 },
    });
    const plain = trainingStep({ student: linear(w), numClasses: 2 }, { x, y }, [w], optimizer, info);
    expect(plain.correct).toBe(2);
    expect(Object.keys(plain.losses)).toEqual(['total', 'ce']);
    expect(plain.losses['total']).toBe(plain.losses['ce']);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([w, x, y]);
  });
});
