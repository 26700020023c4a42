import { readFileSync, statSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { argMaxRow, KdInputError } from '@kd/core';

/** A reference made in the source framework: inputs and the logits it computed for them. */
export interface Reference {
  readonly input: tf.Tensor4D;
  readonly logits: Float32Array;
}

export interface Parity {
  readonly samples: number;
  readonly maxAbsError: number;
  /** Largest |kd − ref| relative to the sample's largest |ref| logit (so near-zero logits do not inflate it). */
  readonly maxRelError: number;
  /** Share of samples whose arg-max (first maximum) agrees. */
  readonly top1Agreement: number;
}

const MAX_BYTES = 256 * 2 ** 20;

interface TensorJson {
  readonly shape?: unknown;
  readonly data?: unknown;
}

function tensorOf(file: string, key: string, t: TensorJson | undefined, rank: number): { shape: number[]; data: Float32Array } {
  const shape = t?.shape;
  if (!Array.isArray(shape) || shape.length !== rank || !shape.every((d) => Number.isInteger(d) && d > 0))
    throw new KdInputError(`${file}: /${key}/shape: expected ${rank} positive integers, got ${JSON.stringify(shape)?.slice(0, 80)}`);
  const data = t?.data;
  const n = (shape as number[]).reduce((a, d) => a * d, 1);
  if (!Array.isArray(data) || data.length !== n || !data.every((v) => typeof v === 'number' && Number.isFinite(v)))
    throw new KdInputError(`${file}: /${key}/data: expected ${n} finite numbers (the product of its shape)`);
  return { shape: shape as number[], data: Float32Array.from(data as number[]) };
}

/**
 * Reads `{ "layout": "NCHW" | "NHWC", "input": { "shape", "data" }, "logits": { "shape", "data" } }` — what a few lines
 * of Python write from a batch and the model's output — and checks it against the network's input and classes.
 */
export function readReference(file: string, inputShape: readonly [number, number, number], numClasses: number): Reference {
  let json: { layout?: unknown; input?: TensorJson; logits?: TensorJson };
  try {
    if (statSync(file).size > MAX_BYTES)
      throw new KdInputError(`${file}: larger than ${MAX_BYTES / 2 ** 20} MiB; a few dozen inputs are enough for a parity check`);
    json = JSON.parse(readFileSync(file, 'utf8')) as typeof json;
  } catch (e) {
    if (e instanceof KdInputError) throw e;
    throw new KdInputError(`${file}: cannot read the reference (${(e as Error).message})`);
  }
  const layout = json.layout ?? 'NCHW';
  if (layout !== 'NCHW' && layout !== 'NHWC')
    throw new KdInputError(`${file}: /layout: expected "NCHW" (PyTorch's) or "NHWC", got ${JSON.stringify(layout)}`);
  const input = tensorOf(file, 'input', json.input, 4);
  const logits = tensorOf(file, 'logits', json.logits, 2);
  const [h, w, c] = inputShape;
  const nhwc = layout === 'NCHW' ? [input.shape[0]!, input.shape[2]!, input.shape[3]!, input.shape[1]!] : input.shape;
  if (nhwc[1] !== h || nhwc[2] !== w || nhwc[3] !== c)
    throw new KdInputError(
      `${file}: /input/shape: ${JSON.stringify(input.shape)} (${layout}) does not match the network's input [${h}, ${w}, ${c}] (HWC)`,
    );
  if (logits.shape[0] !== input.shape[0] || logits.shape[1] !== numClasses)
    throw new KdInputError(
      `${file}: /logits/shape: expected [${input.shape[0]}, ${numClasses}] (one row per input, one column per class), got ${JSON.stringify(logits.shape)}`,
    );
  const x = tf.tidy(() => {
    const t = tf.tensor4d(input.data, input.shape as [number, number, number, number]);
    return layout === 'NCHW' ? tf.transpose(t, [0, 2, 3, 1]) : t;
  }) as tf.Tensor4D;
  return { input: x, logits: logits.data };
}

/** kd's logits against the reference: largest absolute and relative differences, and arg-max agreement. */
export function compareLogits(kd: tf.Tensor, reference: Float32Array): Parity {
  const [n, k] = kd.shape as [number, number];
  const ours = kd.dataSync();
  let maxAbs = 0;
  let maxRel = 0;
  let agree = 0;
  for (let i = 0; i < n; i++) {
    let scale = 1e-6;
    for (let j = 0; j < k; j++) scale = Math.max(scale, Math.abs(reference[i * k + j]!));
    for (let j = 0; j < k; j++) {
      const d = Math.abs(ours[i * k + j]! - reference[i * k + j]!);
      maxAbs = Math.max(maxAbs, d);
      maxRel = Math.max(maxRel, d / scale);
    }
    // A non-finite kd row (−1) never agrees: the reference is checked finite.
    if (argMaxRow(ours, i, k) === argMaxRow(reference, i, k)) agree++;
  }
  return { samples: n, maxAbsError: maxAbs, maxRelError: maxRel, top1Agreement: agree / n };
}
