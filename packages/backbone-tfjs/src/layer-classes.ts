/**
 * The Keras layer classes TensorFlow.js layers implements (tfjs-layers 4.22), plus the model containers. A model.json
 * naming any other class needs code registered in the process to load (a custom layer): kd refuses it, so loading an
 * untrusted model never depends on what else happens to be registered.
 */
export const BUILT_IN_LAYER_CLASSES: ReadonlySet<string> = new Set([
  'Activation',
  'Add',
  'AlphaDropout',
  'Average',
  'AveragePooling1D',
  'AveragePooling2D',
  'AveragePooling3D',
  'BatchNormalization',
  'Bidirectional',
  'Concatenate',
  'Conv1D',
  'Conv2D',
  'Conv2DTranspose',
  'Conv3D',
  'Conv3DTranspose',
  'ConvLSTM2D',
  'Cropping2D',
  'Dense',
  'DepthwiseConv2D',
  'Dot',
  'Dropout',
  'ELU',
  'Embedding',
  'Flatten',
  'GaussianDropout',
  'GaussianNoise',
  'GlobalAveragePooling1D',
  'GlobalAveragePooling2D',
  'GlobalMaxPooling1D',
  'GlobalMaxPooling2D',
  'GRU',
  'InputLayer',
  'LayerNormalization',
  'LeakyReLU',
  'LSTM',
  'Masking',
  'Maximum',
  'MaxPooling1D',
  'MaxPooling2D',
  'MaxPooling3D',
  'Minimum',
  'Multiply',
  'Permute',
  'PReLU',
  'ReLU',
  'RepeatVector',
  'Reshape',
  'SeparableConv2D',
  'SimpleRNN',
  'Softmax',
  'SpatialDropout1D',
  'ThresholdedReLU',
  'TimeDistributed',
  'UpSampling2D',
  'ZeroPadding2D',
  // Containers: a model nested in a model.
  'Sequential',
  'Model',
  'Functional',
]);

/** Model containers: their config holds a `layers` list. */
const CONTAINERS = new Set(['Sequential', 'Model', 'Functional']);
/** Deeper than any real model nests containers and wrappers; bounds the walk over untrusted JSON. */
const MAX_DEPTH = 16;

export interface LayerEntry {
  readonly className: string;
  readonly name: string;
  readonly config: Record<string, unknown>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Every layer of a model config (`{class_name, config}`), nested containers and wrappers (`config.layer`) included,
 * checked to be a built-in class. Returns the top-level layers. `fail` receives what is wrong.
 */
export function checkLayers(model: unknown, fail: (what: string) => never): LayerEntry[] {
  const visit = (entry: unknown, path: string, depth: number): LayerEntry => {
    if (depth > MAX_DEPTH) fail(`${path}: layers nest deeper than ${MAX_DEPTH} levels`);
    if (!isObject(entry) || typeof entry['class_name'] !== 'string' || !isObject(entry['config']))
      fail(`${path} is not a layer ({"class_name": …, "config": {…}})`);
    const className = entry['class_name'] as string;
    const config = entry['config'] as Record<string, unknown>;
    const name = typeof config['name'] === 'string' ? config['name'] : typeof entry['name'] === 'string' ? entry['name'] : '';
    if (!BUILT_IN_LAYER_CLASSES.has(className))
      fail(
        `${path}${name ? ` ("${name}")` : ''} has class "${className}", which is not a built-in TensorFlow.js layer; kd loads no custom layer classes (they would need code)`,
      );
    if (CONTAINERS.has(className)) {
      const layers = config['layers'];
      if (!Array.isArray(layers)) fail(`${path}${name ? ` ("${name}")` : ''}: a ${className} without a "layers" list`);
      layers.forEach((l, i) => visit(l, `${path}/config/layers/${i}`, depth + 1));
    }
    if ('layer' in config) visit(config['layer'], `${path}/config/layer`, depth + 1);
    return { className, name, config };
  };
  const top = visit(model, 'modelTopology', 0);
  if (!CONTAINERS.has(top.className))
    fail(`modelTopology has class "${top.className}"; expected a Sequential or functional model (Model, Functional)`);
  return (top.config['layers'] as unknown[]).map((l, i) => visit(l, `modelTopology/config/layers/${i}`, 1));
}
