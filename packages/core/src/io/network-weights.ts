import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Network, TrainableModule } from '../contracts/network.js';
import type { StudentHead } from '../contracts/distiller.js';
import { readTensors, writeTensors, type TensorEntry } from './tensor-file.js';
import { writeFileAtomic } from './atomic.js';
import { KdInputError } from '../errors/errors.js';
import { stableStringify } from './stable-json.js';
import { isLayersModelDir, loadLayersModelWeights } from './layers-model-weights.js';

export const NETWORK_FILE = 'network.json';
const NETWORK_BIN = 'network.bin';

interface NetworkFile {
  readonly format: 'kd-network';
  readonly version: 1;
  readonly backbone: { readonly name: string; readonly options: Readonly<Record<string, unknown>> };
  readonly numClasses: number;
  readonly inputShape: readonly number[];
  readonly tensors: readonly TensorEntry[];
  /** A head applied to the logits at deployment (e.g. AEKT's task-serialisation layer), stored in head.bin. */
  readonly head?: { readonly name: string; readonly tensors: readonly TensorEntry[] };
}

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
    inputShape: network.inputShape,
    tensors,
    ...(head
      ? { head: { name: head.name, tensors: writeTensors(dir, 'head.bin', head.stateVariables().map((v) => ({ name: v.name, tensor: v.variable }))) } }
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
  let file: NetworkFile;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new KdInputError(`${pointer}: ${path}: cannot read (${(e as Error).message})`);
  }
  try {
    file = JSON.parse(text) as NetworkFile;
  } catch (e) {
    throw new KdInputError(`${pointer}: ${path}: not valid JSON (${(e as Error).message})`);
  }
  if (!file || typeof file !== 'object' || file.format !== 'kd-network' || !Array.isArray(file.tensors) || !file.backbone)
    throw new KdInputError(`${pointer}: ${path}: expected a kd network file (format "kd-network" with backbone and tensors), got format ${JSON.stringify((file as { format?: unknown } | null)?.format)}`);
  if (file.head)
    throw new KdInputError(
      `${pointer}: ${path} was trained with a "${file.head.name}" head on its logits (e.g. AEKT's serialOrder "kd->cls"); loading such a network as a teacher is not supported yet`,
    );
  const want = stableStringify({ name: network.spec.name, options: network.spec.options });
  const have = stableStringify({ name: file.backbone.name, options: file.backbone.options });
  if (want !== have)
    throw new KdInputError(`${pointer}: ${path} holds a ${have} network, the config describes ${want}`);
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
