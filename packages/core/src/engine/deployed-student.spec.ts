import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { Network, StudentHead } from '../index.js';
import { deployedStudent } from './trainer.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('deployedStudent', () => {
  it('applies the distiller head to the logits and counts its parameters; without a head it is the student', () => {
    const student = {
      name: 'student',
      apply: (x: tf.Tensor4D) => {
        const logits = tf.reshape(x, [x.shape[0], 2]) as tf.Tensor2D;
        return { logits, embedding: logits, features: {} };
      },
      countParams: () => 7,
    } as unknown as Network;
    const w = tf.variable(
      tf.tensor2d([
        [0, 1],
        [1, 0],
      ]),
    );
    const head = {
      name: 'swap',
      apply: (z: tf.Tensor2D) => tf.matMul(z, w) as tf.Tensor2D,
      trainableVariables: () => [w],
      stateVariables: () => [{ name: 'w', variable: w }],
      dispose: () => w.dispose(),
    } as StudentHead;
    expect(deployedStudent(student, undefined)).toBe(student);
    const deployed = deployedStudent(student, head);
    const logits = tf.tidy(() => Array.from(deployed.apply(tf.tensor4d([1, 2], [1, 1, 1, 2]), { training: false }).logits.dataSync()));
    expect(logits).toEqual([2, 1]);
    expect(deployed.countParams()).toBe(11);
    expect(deployed.name).toBe('student');
    w.dispose();
  });
});
