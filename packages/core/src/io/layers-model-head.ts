import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { KdInputError } from '../errors/errors.js';
import type { Network } from '../contracts/network.js';
import { assignState } from './network-weights.js';
import type { NetworkFile } from './run-files.js';
import { readTensors } from './tensor-file.js';

const HEAD_BIN = 'head.bin';

/**
 * The deployed model of a network saved with a head on its logits: `model` followed by the head as a Dense layer.
 * Only linear heads are exportable — a head whose saved state is exactly `weight` [C, K] and `bias` [K] and computes
 * `logits·weight + bias` (AEKT's task-serialisation layer with serialOrder "kd->cls"); anything else is refused
 * naming what was found, since exporting it as a Dense layer would silently change the predictions.
 */
export function appendLinearHead(model: tfl.LayersModel, dir: string, file: NetworkFile, where: string): tfl.LayersModel {
  const head = file.head;
  if (!head) return model;
  const names = head.tensors.map((t) => t.name).sort();
  if (names.join() !== 'bias,weight')
    throw new KdInputError(
      `${where}: the "${head.name}" head holds [${names.join(', ')}]; only a linear head (weight and bias: logits·weight + bias) can be exported`,
    );
  const values = readTensors(dir, HEAD_BIN, head.tensors);
  try {
    const weight = values.get('weight')!;
    const bias = values.get('bias')!;
    const classes = file.numClasses;
    if (weight.rank !== 2 || weight.shape[0] !== classes || bias.rank !== 1 || bias.shape[0] !== weight.shape[1])
      throw new KdInputError(
        `${where}: the "${head.name}" head's weight is [${weight.shape.join(', ')}] and bias [${bias.shape.join(', ')}]; expected [${classes}, K] and [K]`,
      );
    const dense = tfl.layers.dense({ units: bias.shape[0]!, name: `kd_head_${head.name}`, weights: [weight, bias] });
    const outputs = dense.apply(model.outputs[0]!) as tfl.SymbolicTensor;
    return tfl.model({ inputs: model.inputs, outputs, name: `${model.name}_with_${head.name}` });
  } finally {
    tf.dispose([...values.values()]);
  }
}

/**
 * Loads a saved network's own weights (network.bin) into `network`, whether or not it was saved with a head: the
 * export puts the head back as a layer ({@link appendLinearHead}), where loadNetwork refuses a head so that a teacher
 * never silently loses it.
 */
export function loadNetworkWithoutHead(dir: string, network: Network, file: NetworkFile, where: string): void {
  const values = readTensors(dir, 'network.bin', file.tensors);
  try {
    assignState(network, values, where);
  } finally {
    tf.dispose([...values.values()]);
  }
}
