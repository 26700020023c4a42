import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Network, TrainableModule } from '../contracts/network.js';
import type { StudentHead } from '../contracts/distiller.js';
import { readTensors, writeTensors } from './tensor-file.js';
import { writeFileAtomic } from './atomic.js';
import { KdInputError } from '../errors/errors.js';
import { stableStringify } from './stable-json.js';
import { isLayersModelDir, loadLayersModelWeights } from './layers-model-weights.js';
import { readNetworkFile, type NetworkFile } from './run-files.js';

export const NETWORK_FILE = 'network.json';
const NETWORK_BIN = 'network.bin';

/** Saves a network's full state (weights and running statistics) with its architecture spec, and its head if any. */
export function saveNetwork(dir: string, network: Network, head?: StudentHead): void {
  const tensors = writeTensors(
    dir,
    NETWORK_BIN,
    network.stateVariables().map((v) => ({ name: v.name, tensor: v.variable })),
  );
  const file: NetworkFile = {
    format: 'kd-network',
    version: 1,
    backbone: network.spec,
    numClasses: network.numClasses,
    inputShape: network.inputShape as unknown as NetworkFile['inputShape'],
    tensors,
    ...(head
      ? {
          head: {
            name: head.name,
            tensors: writeTensors(
              dir,
              'head.bin',
              head.stateVariables().map((v) => ({ name: v.name, tensor: v.variable })),
            ),
          },
        }
      : {}),
  };
  writeFileAtomic(join(dir, NETWORK_FILE), JSON.stringify(file, null, 2));
}

/** Assigns saved values to a module's state variables, checking names and shapes. */
export function assignState(module: TrainableModule, values: ReadonlyMap<string, tf.Tensor>, where: string): void {
  for (const { name, variable } of module.stateVariables()) {
    const t = values.get(name);
    if (!t) throw new KdInputError(`${where}: no saved value for "${name}" — the weights belong to another architecture`);
    if (t.shape.join('x') !== variable.shape.join('x'))
      throw new KdInputError(`${where}: "${name}" has shape [${t.shape.join(', ')}], the network expects [${variable.shape.join(', ')}]`);
    variable.assign(t);
  }
}

/**
 * Loads weights saved by `saveNetwork` into `network`. `location` may be a run directory (its `final/`), a directory
 * holding network.json, or a TensorFlow.js layers model directory (`kd export`'s output, or a teacher trained
 * elsewhere with the same architecture).
 */
export function loadNetwork(location: string, network: Network, pointer = '/teacher/weights'): void {
  const candidates = [join(location, 'final'), location];
  const dir = candidates.find((d) => existsSync(join(d, NETWORK_FILE)));
  if (!dir && isLayersModelDir(location)) return loadLayersModelWeights(location, network, pointer);
  if (!dir)
    throw new KdInputError(
      `${pointer}: ${location} holds no trained network (looked for ${candidates.map((d) => join(d, NETWORK_FILE)).join(' and ')}, or a TensorFlow.js ${join(location, 'model.json')}); train it first with kd run`,
    );
  const path = join(dir, NETWORK_FILE);
  const file = readNetworkFile(path, pointer);
  if (file.head)
    throw new KdInputError(
      `${pointer}: ${path} was trained with a "${file.head.name}" head on its logits (e.g. AEKT's serialOrder "kd->cls"); loading such a network as a teacher is not supported yet`,
    );
  const want = stableStringify({ name: network.spec.name, options: network.spec.options });
  const have = stableStringify({ name: file.backbone.name, options: file.backbone.options });
  if (want !== have) throw new KdInputError(`${pointer}: ${path} holds a ${have} network, the config describes ${want}`);
  let values: Map<string, tf.Tensor>;
  try {
    values = readTensors(dir, NETWORK_BIN, file.tensors);
  } catch (e) {
    if (e instanceof KdInputError) e.message = `${pointer}: ${e.message}`;
    throw e;
  }
  try {
    assignState(network, values, `${pointer}: ${path}`);
  } finally {
    for (const t of values.values()) t.dispose();
  }
}
