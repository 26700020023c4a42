import { container } from 'tsyringe';
import { Rng, compilePluginSchema, type Network } from '@kd/core';
import { cnnPlugin } from '@kd/backbone-cnn';

/** A tiny CNN from the real backbone plugin (schema defaults applied), for tests. */
export function tinyCnn(channels: number[], scope: string, seed: number, inputShape: [number, number, number] = [12, 12, 1]): Network {
  const options: Record<string, unknown> = { name: 'cnn', channels };
  const validate = compilePluginSchema(cnnPlugin.manifest);
  if (!validate(options)) throw new Error(JSON.stringify(validate.errors));
  return cnnPlugin.create(options as never, { container, baseDir: '.', numClasses: 5, inputShape, rng: new Rng(seed), scope }) as Network;
}
