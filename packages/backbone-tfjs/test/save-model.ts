import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { Rng } from '@kd/core';

/**
 * Saves `model` to `dir` in the format tf.LayersModel.save and tensorflowjs_converter write: model.json (topology +
 * weightsManifest) and the weight bytes split into shards of at most `shardBytes` (group1-shard1ofN.bin, …).
 */
export async function saveModel(model: tfl.LayersModel, dir: string, shardBytes = 4 << 20): Promise<string> {
  mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData!));
      const n = Math.max(1, Math.ceil(data.byteLength / shardBytes));
      const paths = Array.from({ length: n }, (_, i) => `group1-shard${i + 1}of${n}.bin`);
      paths.forEach((p, i) => writeFileSync(join(dir, p), data.subarray(i * shardBytes, (i + 1) * shardBytes)));
      const json = {
        format: 'layers-model',
        generatedBy: 'TensorFlow.js tfjs-layers v4.22.0',
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths, weights: artifacts.weightSpecs }],
      };
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return join(dir, 'model.json');
}

/** Replaces every weight of `model` by seeded values: N(0, 0.5) except batch-norm variances, U(0.5, 1.5). */
export function randomizeWeights(model: tfl.LayersModel, seed: number): void {
  const rng = new Rng(seed);
  for (const w of model.weights) {
    const size = w.shape.reduce((a: number, d) => a * (d ?? 1), 1);
    const values = new Float32Array(size);
    const variance = w.originalName.endsWith('/moving_variance');
    for (let i = 0; i < size; i++) values[i] = variance ? 0.5 + rng.next() : 0.5 * rng.normal();
    const t = tf.tensor(values, w.shape as number[]);
    w.write(t);
    t.dispose();
  }
}
