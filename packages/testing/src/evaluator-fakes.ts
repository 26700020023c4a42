import * as tf from '@tensorflow/tfjs-core';
import type { Batch, DatasetSplit, Network, NetworkOutput } from '@kd/core';

/** A network that returns fixed logit rows in order (cycling), so every metric is known in advance. */
export function scriptedNetwork(rows: readonly (readonly number[])[], name = 'scripted'): Network {
  let offset = 0;
  const numClasses = rows[0]!.length;
  return {
    name,
    stages: [],
    numClasses,
    inputShape: [1, 1, 1],
    spec: { name, options: {} },
    apply(x): NetworkOutput {
      const n = x.shape[0];
      const batch = Array.from({ length: n }, (_, i) => rows[(offset + i) % rows.length]! as number[]);
      offset = (offset + n) % rows.length;
      const logits = tf.tensor2d(batch);
      return { logits, embedding: logits, features: {} };
    },
    trainableVariables: () => [],
    stateVariables: () => [],
    countParams: () => 0,
    dispose: () => {},
  };
}

/** One-hot logits on a fixed guess per sample. */
export function guessingNetwork(guesses: readonly number[], numClasses: number): Network {
  return scriptedNetwork(guesses.map((g) => Array.from({ length: numClasses }, (_, c) => (c === g ? 1 : 0))));
}

/** A split of 1×1×1 zero images with the given labels, in order. */
export function labelSplit(labels: readonly number[]): DatasetSplit {
  return {
    size: labels.length,
    async *batches({ batchSize }): AsyncIterable<Batch> {
      for (let i = 0; i < labels.length; i += batchSize) {
        const y = labels.slice(i, i + batchSize);
        yield { x: tf.zeros([y.length, 1, 1, 1]) as tf.Tensor4D, y: tf.tensor1d(y, 'int32') };
      }
    },
  };
}

/**
 * A network whose stage features are fixed per sample (cycling in order): `features[name][i]` is sample i's
 * [H, W, C] map. Its embedding is `embedding[i]` (or the flattened last feature) and its logits are zeros.
 */
export function featureNetwork(
  features: Readonly<Record<string, number[][][][]>>,
  embedding?: readonly number[][],
  name = 'features',
): Network {
  let offset = 0;
  const names = Object.keys(features);
  const count = features[names[0]!]!.length;
  return {
    name,
    stages: names.map((s) => ({
      name: s,
      outputShape: [features[s]![0]!.length, features[s]![0]![0]!.length, features[s]![0]![0]![0]!.length],
    })),
    numClasses: 2,
    inputShape: [1, 1, 1],
    spec: { name, options: {} },
    apply(x): NetworkOutput {
      const n = x.shape[0];
      const idx = Array.from({ length: n }, (_, i) => (offset + i) % count);
      offset = (offset + n) % count;
      const maps = Object.fromEntries(names.map((s) => [s, tf.tensor4d(idx.map((i) => features[s]![i]!))]));
      const emb = embedding ? tf.tensor2d(idx.map((i) => embedding[i]! as number[])) : tf.reshape(maps[names[names.length - 1]!]!, [n, -1]);
      return { logits: tf.zeros([n, 2]) as tf.Tensor2D, embedding: emb as tf.Tensor2D, features: maps };
    },
    trainableVariables: () => [],
    stateVariables: () => [],
    countParams: () => 0,
    dispose: () => {},
  };
}
