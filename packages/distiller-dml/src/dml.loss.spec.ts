import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { dmlLossTerms } from './index.js';

/** PyTorch reference values written by test/fixtures/make_dml_fixtures.py. */
const fx = JSON.parse(readFileSync(join(import.meta.dirname, '../test/fixtures/dml-fixtures.json'), 'utf8'));

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('DML loss against PyTorch', () => {
  it.each(fx.cases as { temperature: number; ce: number; kl: number; gradSelf: number[] }[])(
    'τ = $temperature: CE, τ²·KL(other ‖ self), and a gradient that does not reach the other network',
    ({ temperature, ce, kl, gradSelf }) => {
      tf.tidy(() => {
        const shape: [number, number] = [fx.labels.length, fx.classes];
        const z1 = tf.tensor2d(fx.z1, shape);
        const z2 = tf.tensor2d(fx.z2, shape);
        const y = tf.tensor1d(fx.labels, 'int32');
        const t = dmlLossTerms(z1, z2, y, temperature);
        expect(t.ce.dataSync()[0]).toBeCloseTo(ce, 5);
        expect(t.kl.dataSync()[0]).toBeCloseTo(kl, 5);
        const [g1, g2] = tf.grads((a: tf.Tensor, b: tf.Tensor) => {
          const r = dmlLossTerms(a as tf.Tensor2D, b as tf.Tensor2D, y, temperature);
          return tf.add(r.ce, r.kl) as tf.Scalar;
        })([z1, z2]);
        const got = g1!.dataSync();
        gradSelf.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5));
        expect(Array.from(g2!.dataSync()).every((v) => v === 0)).toBe(true);
      });
    },
  );
});
