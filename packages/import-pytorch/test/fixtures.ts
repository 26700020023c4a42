import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { Rng, type BackboneContext, type Network } from '@kd/core';
import { ResnetNetwork, type ResnetOptions } from '@kd/backbone-resnet';
import { WrnNetwork, type WrnOptions } from '@kd/backbone-wrn';
import { VggNetwork, type VggOptions } from '@kd/backbone-vgg';
import { MobilenetNetwork, type MobilenetOptions } from '@kd/backbone-mobilenet';
import { ShufflenetNetwork, type ShufflenetOptions } from '@kd/backbone-shufflenet';

/** Path of a file written by fixtures/make-fixtures.py. */
export const fixturePath = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

/** One model's fixture: its checkpoint and PyTorch's input and outputs (NCHW, float32). */
export interface ModelFixture {
  readonly backbone: { readonly name: string } & Record<string, unknown>;
  readonly numClasses: number;
  readonly checkpoint: string;
  readonly format: 'zip' | 'legacy';
  readonly wrapper: string | null;
  /** Legacy checkpoints written to start their storages unaligned: the byte where the first storage's elements begin. */
  readonly firstStorageByte?: number;
  readonly tensors: Record<string, { readonly shape: number[]; readonly offset: number }>;
}

export function readFixture(name: string): { meta: ModelFixture; tensor: (key: string) => { shape: number[]; values: Float32Array } } {
  const meta = JSON.parse(readFileSync(fixturePath(`${name}.json`), 'utf8')) as ModelFixture;
  const bin = readFileSync(fixturePath(`${name}.bin`));
  const blob = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  return {
    meta,
    tensor(key) {
      const t = meta.tensors[key];
      if (!t) throw new Error(`${name}: no tensor ${key}`);
      const n = t.shape.reduce((a, b) => a * b, 1);
      return { shape: t.shape, values: blob.subarray(t.offset / 4, t.offset / 4 + n) };
    },
  };
}

/** A kd network of the fixture's backbone, input [h, w, c] and class count. */
export function buildNetwork(backbone: ModelFixture['backbone'], numClasses: number, inputShape: [number, number, number]): Network {
  const context: BackboneContext = { numClasses, inputShape, rng: new Rng(7), scope: 'teacher' };
  switch (backbone.name) {
    case 'resnet':
      return new ResnetNetwork(backbone as unknown as ResnetOptions, context);
    case 'wrn':
      return new WrnNetwork(backbone as unknown as WrnOptions, context);
    case 'vgg':
      return new VggNetwork(backbone as unknown as VggOptions, context);
    case 'mobilenet':
      return new MobilenetNetwork(backbone as unknown as MobilenetOptions, context);
    case 'shufflenet':
      return new ShufflenetNetwork(backbone as unknown as ShufflenetOptions, context);
    default:
      throw new Error(`no backbone ${backbone.name}`);
  }
}

/** max |kd − torch| / max |torch| over a tensor (kd's NHWC feature maps compared in PyTorch's NCHW order). */
export function relativeError(kd: tf.Tensor, expected: { shape: number[]; values: Float32Array }): number {
  const actual = tf.tidy(() => (kd.rank === 4 ? tf.transpose(kd, [0, 3, 1, 2]) : kd));
  expect(actual.shape).toEqual(expected.shape);
  const a = actual.dataSync();
  actual.dispose();
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - expected.values[i]!));
    scale = Math.max(scale, Math.abs(expected.values[i]!));
  }
  return diff / Math.max(scale, 1e-12);
}
