import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { relErr } from '@kd/testing';
import { tfjsNetwork } from '../test/networks.js';

const DIR = join(import.meta.dirname, '..', 'test', 'fixtures', 'keras-cnn');

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

/** The shard's float32 values by manifest name, read here without tfjs. */
function weights(): Record<string, number[]> {
  const json = JSON.parse(readFileSync(join(DIR, 'model.json'), 'utf8')) as {
    weightsManifest: { weights: { name: string; shape: number[] }[] }[];
  };
  const bin = readFileSync(join(DIR, 'group1-shard1of1.bin'));
  const out: Record<string, number[]> = {};
  let at = 0;
  for (const w of json.weightsManifest[0]!.weights) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    out[w.name] = Array.from({ length: n }, (_, i) => bin.readFloatLE((at + i) * 4));
    at += n;
  }
  return out;
}

/**
 * The fixture model in plain doubles for one 4×4×1 image: conv 3×3 'same' (zero padding) + bias → batch norm with
 * the moving statistics, ε = 0.001 → ReLU → 2×2 max pool → global mean → dense; softmax left out (the logits).
 */
function forward(image: number[], w: Record<string, number[]>) {
  const K = w['conv2d/kernel']!;
  const relu: number[][][] = [];
  for (let y = 0; y < 4; y++) {
    relu.push([]);
    for (let x = 0; x < 4; x++) {
      relu[y]!.push(
        [0, 1].map((f) => {
          let s = w['conv2d/bias']![f]!;
          for (let ky = 0; ky < 3; ky++)
            for (let kx = 0; kx < 3; kx++) {
              const iy = y + ky - 1;
              const ix = x + kx - 1;
              if (iy >= 0 && iy < 4 && ix >= 0 && ix < 4) s += image[iy * 4 + ix]! * K[(ky * 3 + kx) * 2 + f]!;
            }
          const bn =
            ((s - w['batch_normalization/moving_mean']![f]!) / Math.sqrt(w['batch_normalization/moving_variance']![f]! + 0.001)) *
              w['batch_normalization/gamma']![f]! +
            w['batch_normalization/beta']![f]!;
          return Math.max(0, bn);
        }),
      );
    }
  }
  const pool = [0, 1].map((py) =>
    [0, 1].map((px) => [0, 1].map((f) => Math.max(...[0, 1].flatMap((dy) => [0, 1].map((dx) => relu[2 * py + dy]![2 * px + dx]![f]!))))),
  );
  const gap = [0, 1].map((f) => pool.flat().reduce((a, p) => a + p[f]!, 0) / 4);
  const logits = [0, 1, 2].map((c) => w['dense/bias']![c]! + gap[0]! * w['dense/kernel']![c]! + gap[1]! * w['dense/kernel']![3 + c]!);
  return { relu: relu.flat(2), pool: pool.flat(2), gap, logits };
}

describe('a model.json in the layout tensorflowjs_converter writes for a Keras model (committed fixture)', () => {
  it('loads by layer and weight name, and computes the forward pass derived by hand (softmax removed)', async () => {
    const net = tfjsNetwork({ stages: { stage1: 're_lu', stage2: 'max_pooling2d' } }, { numClasses: 3, inputShape: [4, 4, 1] });
    await net.loadWeights(DIR, '/teacher/weights');
    expect(net.stages).toEqual([
      { name: 'stage1', outputShape: [4, 4, 2] },
      { name: 'stage2', outputShape: [2, 2, 2] },
    ]);
    // conv 18 + 2, batch-norm γ and β 4, dense 6 + 3: the moving statistics are not trainable parameters.
    expect(net.countParams()).toBe(33);
    const w = weights();
    const images = [
      [0, 1, 2, 3, 1, 0, -1, 0.5, 2, 2, 0, -2, 0.25, -0.5, 1, 3],
      Array.from({ length: 16 }, (_, i) => Math.fround(Math.sin(i + 1))),
    ];
    const expected = images.map((im) => forward(im, w));
    tf.tidy(() => {
      const out = net.apply(tf.tensor4d(images.flat(), [2, 4, 4, 1]), { training: false });
      const check = (got: tf.Tensor, want: number[]) => expect(relErr(got.dataSync(), want)).toBeLessThanOrEqual(1e-6);
      check(
        out.logits,
        expected.flatMap((e) => e.logits),
      );
      check(
        out.features['stage1']!,
        expected.flatMap((e) => e.relu),
      );
      check(
        out.features['stage2']!,
        expected.flatMap((e) => e.pool),
      );
      check(
        out.embedding,
        expected.flatMap((e) => e.gap),
      );
    });
    // The hand derivation is not degenerate: both filters and all three classes carry signal.
    expect(new Set(expected[0]!.logits.map((v) => v.toFixed(3))).size).toBe(3);
    expect(expected.flatMap((e) => e.relu).filter((v) => v > 0).length).toBeGreaterThan(8);
    net.dispose();
  });
});
