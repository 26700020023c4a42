import { container } from 'tsyringe';
import { Rng, type Network } from '@kd/core';
import { cnnOptionsSchema, cnnPlugin, type CnnOptions } from '@kd/backbone-cnn';
import { strictAjv } from '@kd/testing';

/**
 * kd's cnn backbone with two stages of `channels` and 10 classes, built as core builds it (options validated with the
 * schema's defaults applied) and initialised from `seed`.
 */
export async function kdCnn(inputShape: [number, number, number], seed: number, scope = 'student', channels = [4, 8]): Promise<Network> {
  const options: Record<string, unknown> = { name: 'cnn', channels };
  strictAjv().compile(cnnOptionsSchema)(options);
  return cnnPlugin.create(options as CnnOptions, { container, baseDir: '.', numClasses: 10, inputShape, rng: new Rng(seed), scope });
}
