import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Network } from '../contracts/network.js';
import { KdInputError } from '../errors/errors.js';
import { LAYERS_MODEL_FILES } from './layers-file-handler.js';

interface ModelJson {
  readonly modelTopology?: {
    readonly config?: { readonly name?: string };
    readonly model_config?: { readonly config?: { readonly name?: string } };
  };
  readonly weightsManifest?: readonly { readonly paths: readonly string[]; readonly weights: readonly tf.io.WeightsManifestEntry[] }[];
}

/** Whether `dir` holds a TensorFlow.js layers model (model.json with a weights manifest). */
export function isLayersModelDir(dir: string): boolean {
  return existsSync(join(dir, LAYERS_MODEL_FILES.model));
}

/**
 * Loads the weights of a TensorFlow.js layers model directory (what `kd export` writes, or any tfjs layers model of
 * the same architecture) into `network`. Only the weights manifest is read, not the topology, so no custom layer
 * class has to be registered. Weights are matched by name once the exporting network's scope prefix is removed
 * (`student_stage1_conv1/kernel` → `stage1_conv1/kernel`); a model whose names differ but whose weights have the
 * network's shapes in the network's order (the same architecture built elsewhere) is matched by position.
 */
export function loadLayersModelWeights(dir: string, network: Network, pointer = '/teacher/weights'): void {
  const file = join(dir, LAYERS_MODEL_FILES.model);
  let json: ModelJson;
  try {
    json = JSON.parse(readFileSync(file, 'utf8')) as ModelJson;
  } catch (e) {
    throw new KdInputError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const manifest = json.weightsManifest;
  if (!manifest || !Array.isArray(manifest))
    throw new KdInputError(`${file}: expected a TensorFlow.js layers model with a "weightsManifest"`);
  const named = new Map<string, tf.Tensor>();
  try {
    for (const group of manifest as NonNullable<ModelJson['weightsManifest']>) {
      const parts = group.paths.map((p) => {
        const path = join(dir, p);
        if (!existsSync(path)) throw new KdInputError(`${file}: weights file ${path} is missing`);
        return readFileSync(path);
      });
      const buffer = Buffer.concat(parts);
      const bytesPer = (w: tf.io.WeightsManifestEntry) =>
        w.quantization ? (w.quantization.dtype === 'uint8' ? 1 : 2) : w.dtype === 'bool' ? 1 : 4;
      const expected = group.weights.reduce((a, w) => a + w.shape.reduce((p, d) => p * d, 1) * bytesPer(w), 0);
      if (buffer.byteLength !== expected)
        throw new KdInputError(`${file}: the weights files hold ${buffer.byteLength} bytes, the manifest describes ${expected}`);
      const decoded = tf.io.decodeWeights(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer, [
        ...group.weights,
      ]);
      for (const [k, v] of Object.entries(decoded)) named.set(k, v);
    }
    const modelName = json.modelTopology?.config?.name ?? json.modelTopology?.model_config?.config?.name ?? '';
    const prefix = modelName.endsWith('_classifier') ? `${modelName.slice(0, -'_classifier'.length)}_` : '';
    const strip = (n: string) => (prefix && n.startsWith(prefix) ? n.slice(prefix.length) : n);
    const byName = new Map([...named].map(([k, v]) => [strip(k), v]));
    const state = network.stateVariables();
    const allNamed = state.every((s) => byName.has(s.name));
    const values = allNamed ? state.map((s) => byName.get(s.name)!) : [...named.values()];
    if (values.length !== state.length)
      throw new KdInputError(
        `${pointer}: ${file} holds ${named.size} weights, the configured ${network.spec.name} network has ${state.length}; the architectures differ`,
      );
    state.forEach(({ name, variable }, i) => {
      const t = values[i]!;
      if (t.shape.join('x') !== variable.shape.join('x'))
        throw new KdInputError(
          `${pointer}: ${file}: weight ${allNamed ? `"${name}"` : `#${i} (for "${name}")`} has shape [${t.shape.join(', ')}], the configured network expects [${variable.shape.join(', ')}]`,
        );
    });
    state.forEach(({ variable }, i) => variable.assign(values[i]!));
  } finally {
    for (const t of named.values()) t.dispose();
  }
}
