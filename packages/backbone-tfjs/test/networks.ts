import { container } from 'tsyringe';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { KdInputError, Rng } from '@kd/core';
import { strictAjv } from '@kd/testing';
import { TfjsNetwork } from '../src/tfjs.network.js';
import { tfjsOptionsSchema, type TfjsOptions } from '../src/tfjs.options.js';

/** Options as core hands them to the factory: validated, defaults applied. */
export function options(config: Record<string, unknown> = {}): TfjsOptions {
  const o = { name: 'tfjs', ...config };
  const validate = strictAjv().compile(tfjsOptionsSchema);
  if (!validate(o)) throw new Error(JSON.stringify(validate.errors));
  return o as unknown as TfjsOptions;
}

export interface NetworkSetup {
  readonly numClasses?: number;
  readonly inputShape?: readonly [number, number, number];
  readonly scope?: string;
}

/** A tfjs network built as core builds a teacher. */
export function tfjsNetwork(config: Record<string, unknown> = {}, setup: NetworkSetup = {}): TfjsNetwork {
  const { numClasses = 10, inputShape = [28, 28, 1], scope = 'teacher' } = setup;
  return new TfjsNetwork(options(config), { numClasses, inputShape, rng: Rng.derive(0, 'init', scope), scope });
}

/** `container` is unused by the network but is part of the factory context. */
export const factoryContext = { container, baseDir: '.' };

/**
 * The error loading `location` as the teacher's weights (at `pointer`) gives, checked to be a KdInputError naming the
 * pointer and the file; no tensor is left behind.
 */
export async function loadError(location: string, pointer: string, config: Record<string, unknown>, setup: NetworkSetup): Promise<string> {
  const before = tf.memory().numTensors;
  const net = tfjsNetwork(config, setup);
  try {
    await net.loadWeights(location, pointer);
  } catch (e) {
    expect(e).toBeInstanceOf(KdInputError);
    const message = (e as Error).message;
    expect(message).toContain(`${pointer}: ${location}`);
    expect(tf.memory().numTensors).toBe(before);
    return message;
  } finally {
    net.dispose();
  }
  throw new Error(`loading ${location} did not fail`);
}
