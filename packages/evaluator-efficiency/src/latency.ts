import * as tf from '@tensorflow/tfjs-core';
import type { Network } from '@kd/core';
import { median } from './median.js';

export interface Latency {
  /** Median wall time of one inference pass of the batch, in milliseconds. */
  readonly latencyMs: number;
  readonly imagesPerSecond: number;
  readonly timingsMs: number[];
}

/**
 * Times inference passes of `x` through `network`. Each pass waits for its logits to be read back, so an
 * asynchronous backend (webgl, webgpu) is timed to completion rather than to the dispatch of its kernels.
 */
export async function measureLatency(
  network: Network,
  x: tf.Tensor4D,
  runs: number,
  warmupRuns: number,
  clock: () => number = () => performance.now(),
): Promise<Latency> {
  const pass = async () => {
    const logits = tf.tidy(() => network.apply(x, { training: false }).logits);
    try {
      await logits.data();
    } finally {
      logits.dispose();
    }
  };
  for (let i = 0; i < warmupRuns; i++) await pass();
  const timingsMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = clock();
    await pass();
    timingsMs.push(clock() - t0);
  }
  const latencyMs = median(timingsMs);
  return { latencyMs, imagesPerSecond: latencyMs > 0 ? (x.shape[0] * 1000) / latencyMs : Infinity, timingsMs };
}
