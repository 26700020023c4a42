import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { container } from 'tsyringe';
import { Rng } from '@kd/core';
import { OnnxNetwork } from '../src/onnx.network.js';
import { onnxOptionsSchema, type OnnxOptions } from '../src/onnx.options.js';
import { strictAjv } from '@kd/testing';

/** The committed fixtures that make-fixtures.py wrote from PyTorch. */
export const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
export const fixture = (file: string): string => join(FIXTURES, file);

export interface Stored {
  readonly shape: number[];
  readonly data: string;
}

interface Expected {
  readonly input: Stored;
  readonly cnn: Readonly<Record<'logits' | 'pooled' | 'layer1_out' | 'layer2_out', Stored>>;
  readonly resnet: Readonly<Record<'logits' | 'block1' | 'block2', Stored>>;
  readonly test: { readonly limit: number; readonly top1: number; readonly predictions: number[] };
}

export const expected = JSON.parse(readFileSync(fixture('expected.json'), 'utf8')) as Expected;

/** A stored tensor's values (little-endian float32). */
export function values(t: Stored): Float32Array {
  const bytes = Buffer.from(t.data, 'base64');
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

/** Options as core hands them to the factory: validated, defaults applied. */
export function options(config: Record<string, unknown> = {}): OnnxOptions {
  const o = { name: 'onnx', ...config };
  const validate = strictAjv().compile(onnxOptionsSchema);
  if (!validate(o)) throw new Error(JSON.stringify(validate.errors));
  return o as unknown as OnnxOptions;
}

export interface NetworkSetup {
  readonly numClasses?: number;
  readonly inputShape?: readonly [number, number, number];
  readonly scope?: string;
}

/** An ONNX network built as core builds a teacher (Fashion-MNIST shapes unless told otherwise). */
export function onnxNetwork(config: Record<string, unknown> = {}, setup: NetworkSetup = {}): OnnxNetwork {
  const { numClasses = 10, inputShape = [28, 28, 1], scope = 'teacher' } = setup;
  return new OnnxNetwork(options(config), { numClasses, inputShape, rng: Rng.derive(0, 'init', scope), scope });
}

/** `container` is unused by the network but is part of the factory context. */
export const factoryContext = { container, baseDir: FIXTURES };
