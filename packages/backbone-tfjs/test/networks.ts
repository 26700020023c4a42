import { container } from 'tsyringe';
import { Rng } from '@kd/core';
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
