import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { Rng } from '@kd/core';
import { selectBackend } from '@kd/core/host';
import { ResnetNetwork } from './resnet.network.js';
import type { ResnetVariant } from './resnet.options.js';
import { formulaValues } from '../test/formula-weights.js';

interface Case {
  readonly input: [number, number, number, number];
  readonly classes: number;
  readonly logits: number[][];
  readonly embedding: number[][];
  readonly features: Record<string, { shape: number[]; sum: number; sumsq: number }>;
}

/** PyTorch reference outputs for closed-form weights and inputs, written by test/make_forward_fixture.py. */
const fixture = JSON.parse(readFileSync(new URL('../test/forward-fixture.json', import.meta.url), 'utf8')) as Record<ResnetVariant, Case>;

/** x[n, c, h, w] = sin(0.1 · flat NCHW index), laid out NHWC. */
function formulaInput([n, c, h, w]: readonly number[]): tf.Tensor4D {
  const out = new Float32Array(n! * c! * h! * w!);
  let j = 0;
  for (let b = 0; b < n!; b++)
    for (let y = 0; y < h!; y++)
      for (let x = 0; x < w!; x++) for (let ch = 0; ch < c!; ch++) out[j++] = Math.sin(0.1 * (((b * c! + ch) * h! + y) * w! + x));
  return tf.tensor4d(out, [n!, h!, w!, c!]);
}

beforeAll(async () => {
  // wasm (XNNPACK) keeps the ImageNet-stem cases fast; the cpu backend gives the same numbers, ~10× slower.
  await selectBackend('wasm');
});

describe('ResnetNetwork matches the PyTorch reference forward pass (eval mode)', () => {
  it.each(Object.keys(fixture) as ResnetVariant[])('%s', (variant) => {
    const ref = fixture[variant];
    const [, c, h, w] = ref.input;
    const net = new ResnetNetwork(
      { name: 'resnet', variant },
      { numClasses: ref.classes, inputShape: [h, w, c], rng: new Rng(1), scope: 'ref' },
    );
    for (const { name, variable } of net.stateVariables()) variable.assign(tf.tensor(formulaValues(name, variable.shape), variable.shape));
    const x = formulaInput(ref.input);
    const close = (actual: number, expected: number, scale: number) =>
      expect(Math.abs(actual - expected)).toBeLessThan(1e-4 * Math.max(1, scale));
    tf.tidy(() => {
      const out = net.apply(x, { training: false });
      expect(Object.keys(out.features)).toEqual(Object.keys(ref.features));
      for (const [k, f] of Object.entries(ref.features)) {
        const t = out.features[k]!;
        expect(t.shape).toEqual(f.shape);
        close(tf.sum(t).dataSync()[0]!, f.sum, Math.abs(f.sum) + Math.sqrt(f.sumsq));
        close(tf.sum(tf.square(t)).dataSync()[0]!, f.sumsq, f.sumsq);
      }
      const logitScale = Math.max(...ref.logits.flat().map(Math.abs));
      Array.from(out.logits.dataSync()).forEach((v, i) => close(v, ref.logits.flat()[i]!, logitScale));
      const embScale = Math.max(...ref.embedding.flat().map(Math.abs));
      Array.from(out.embedding.dataSync()).forEach((v, i) => close(v, ref.embedding.flat()[i]!, embScale));
    });
    x.dispose();
    net.dispose();
  });
});
