import { KdInputError, type Network } from '@kd/core';
import { readLayersModel, type ReadLimits } from './model-files.js';

export interface InitOptions {
  /**
   * kd layer name → source layer name, for layers whose names differ (a Keras model's `conv2d_1` for kd's
   * `stage1_conv1`). Unlisted layers are matched by their own name.
   */
  readonly names?: Readonly<Record<string, string>>;
  /** The config value or command-line argument that named `location`, for messages. */
  readonly pointer?: string;
  readonly limits?: ReadLimits;
}

const DEFAULT_LIMITS: ReadLimits = { maxJsonBytes: 2 ** 26, maxWeightBytes: 2 ** 31 - 1 };

/** `layer/weight` → [layer, weight]: a weight is named after its layer, up to the last slash. */
function split(name: string): [string, string] {
  const at = name.lastIndexOf('/');
  return at < 0 ? ['', name] : [name.slice(0, at), name.slice(at + 1)];
}

/**
 * Assigns every state variable of `network` (weights and batch-norm statistics) from the TensorFlow.js layers model
 * at `location`, matched by layer and weight name, never by position. A model kd exported (`Network.toLayersModel`,
 * its layers prefixed with the exporting scope, `student_stage1_conv1`) matches without a map; another model's layers
 * are named in `names`. Nothing is assigned unless every variable finds a weight of its shape and every weight of
 * the file is used: otherwise a KdInputError lists the unmatched names on both sides.
 */
export function initializeFromLayersModel(network: Network, location: string, options: InitOptions = {}): void {
  const pointer = options.pointer ?? '/student/init/weights';
  const names = options.names ?? {};
  const files = readLayersModel(location, pointer, options.limits ?? DEFAULT_LIMITS);
  const where = `${pointer}: ${files.file}`;
  try {
    const modelName = String((files.modelConfig['config'] as Record<string, unknown> | undefined)?.['name'] ?? '');
    // kd's export names its model `<scope>_classifier` and each layer `<scope>_<layer>`.
    const prefix = modelName.endsWith('_classifier') ? modelName.slice(0, -'_classifier'.length) + '_' : '';
    const sourceLayers = new Set([...files.weights.keys()].map((n) => split(n)[0]));
    const kdLayers = new Set(network.stateVariables().map((v) => split(v.name)[0]));
    const badKeys = Object.keys(names).filter((k) => !kdLayers.has(k));
    const badValues = Object.values(names).filter((v) => !sourceLayers.has(v));
    if (badKeys.length || badValues.length)
      throw new KdInputError(`${where}: the layer name map names layers that do not exist`, [
        ...(badKeys.length
          ? [`not layers of the ${network.spec.name} network: ${badKeys.join(', ')} (its layers: ${[...kdLayers].join(', ')})`]
          : []),
        ...(badValues.length
          ? [`not layers with weights in the file: ${badValues.join(', ')} (its layers: ${[...sourceLayers].join(', ')})`]
          : []),
      ]);
    const sourceName = (kdName: string): string => {
      const [layer, weight] = split(kdName);
      const mapped = names[layer];
      if (mapped !== undefined) return `${mapped}/${weight}`;
      return files.weights.has(kdName) || !prefix ? kdName : `${prefix}${kdName}`;
    };
    const pairs = network.stateVariables().map((v) => ({ v, source: sourceName(v.name) }));
    const unmatched = pairs.filter((p) => !files.weights.has(p.source));
    const used = new Set(pairs.map((p) => p.source));
    const unused = [...files.weights.keys()].filter((n) => !used.has(n));
    if (unmatched.length || unused.length)
      throw new KdInputError(
        `${where}: the file's weights and the ${network.spec.name} network's do not match by name; map differing layer names (kd layer → file layer)`,
        [
          ...(unmatched.length
            ? [`network weights without a file weight: ${unmatched.map((p) => `${p.v.name} (looked for ${p.source})`).join(', ')}`]
            : []),
          ...(unused.length ? [`file weights no network weight takes: ${unused.join(', ')}`] : []),
        ],
      );
    for (const { v, source } of pairs) {
      const t = files.weights.get(source)!;
      if (t.shape.join(',') !== v.variable.shape.join(',') || t.dtype !== v.variable.dtype)
        throw new KdInputError(
          `${where}: weight "${source}" is ${t.dtype} [${t.shape.join(', ')}]; the network's "${v.name}" is ${v.variable.dtype} [${v.variable.shape.join(', ')}]`,
        );
    }
    for (const { v, source } of pairs) v.variable.assign(files.weights.get(source)!);
  } finally {
    for (const t of files.weights.values()) t.dispose();
  }
}
