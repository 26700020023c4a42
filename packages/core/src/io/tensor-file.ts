import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { writeFileAtomic } from './atomic.js';
import { KdInputError } from '../errors/errors.js';

export interface TensorEntry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: 'float32' | 'int32';
  readonly offset: number;
  readonly length: number;
}

/** Writes named tensors as one little-endian binary blob plus an index (names, shapes, offsets). */
export function writeTensors(dir: string, file: string, tensors: readonly { name: string; tensor: tf.Tensor }[]): TensorEntry[] {
  const entries: TensorEntry[] = [];
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const { name, tensor } of tensors) {
    const dtype = tensor.dtype === 'int32' ? 'int32' : 'float32';
    const data = tensor.dataSync();
    const bytes = new Uint8Array(
      dtype === 'int32' ? Int32Array.from(data as Int32Array).buffer : Float32Array.from(data as Float32Array).buffer,
    );
    entries.push({ name, shape: [...tensor.shape], dtype, offset, length: bytes.byteLength });
    parts.push(bytes);
    offset += bytes.byteLength;
  }
  const blob = new Uint8Array(offset);
  let o = 0;
  for (const p of parts) {
    blob.set(p, o);
    o += p.byteLength;
  }
  writeFileAtomic(join(dir, file), blob);
  return entries;
}

/** Reads tensors written by `writeTensors`; the caller owns them. */
export function readTensors(dir: string, file: string, entries: readonly TensorEntry[]): Map<string, tf.Tensor> {
  const path = join(dir, file);
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new KdInputError(`${path}: cannot read weights (${(e as Error).message})`);
  }
  // Every entry is checked before any tensor exists: a damaged file then leaves nothing allocated.
  for (const e of entries) {
    const elements =
      Array.isArray(e.shape) && e.shape.every((d) => Number.isInteger(d) && d >= 0) ? e.shape.reduce((a, d) => a * d, 1) : NaN;
    if ((e.dtype !== 'float32' && e.dtype !== 'int32') || !Number.isInteger(e.offset) || e.offset < 0 || e.length !== elements * 4)
      throw new KdInputError(
        `${path}: entry "${String(e.name).slice(0, 80)}" is malformed (dtype ${JSON.stringify(e.dtype)}, shape ${JSON.stringify(e.shape)?.slice(0, 80)}, offset ${e.offset}, length ${e.length}); expected float32/int32 with length = 4 × elements`,
      );
    if (e.offset + e.length > buf.byteLength)
      throw new KdInputError(
        `${path}: truncated — tensor "${e.name}" needs bytes ${e.offset}..${e.offset + e.length}, file has ${buf.byteLength}`,
      );
  }
  const out = new Map<string, tf.Tensor>();
  for (const e of entries) {
    const slice = buf.buffer.slice(buf.byteOffset + e.offset, buf.byteOffset + e.offset + e.length);
    const data = e.dtype === 'int32' ? new Int32Array(slice) : new Float32Array(slice);
    out.set(e.name, tf.tensor(data, [...e.shape], e.dtype));
  }
  return out;
}
