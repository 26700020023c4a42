import { backboneOptionsSchema, type OptionsOf } from '@kd/core';

/** Stage names as kd's distillers address them (`stage1`, `block3`, …). */
const STAGE_NAME = '^[A-Za-z][A-Za-z0-9_]*$';

export const tfjsOptionsSchema = backboneOptionsSchema(
  'tfjs',
  'A frozen teacher read from a TensorFlow.js model that teacher.weights names (the model.json or its directory, with its weight shards): a layers model (tf.LayersModel.save, `tensorflowjs_converter --input_format keras`) or a graph model (format "graph-model": `tensorflowjs_converter --input_format tf_saved_model` or `tf_frozen_model`), run by @tensorflow/tfjs-converter without custom ops or control flow. Teacher only: a student must be a kd backbone.',
  {
    layout: {
      enum: ['NHWC', 'NCHW'],
      default: 'NHWC',
      description:
        "Layout of the model's image input and of its rank-4 layer (or graph node) outputs: NHWC (TensorFlow's default, data_format channels_last) or NCHW (channels_first). kd's NHWC batches are transposed to it and its NCHW features back to NHWC.",
    },
    logits: {
      type: 'string',
      default: '',
      description:
        "Name of the layer (graph model: the node, `name` or `name:k`) whose output is the logits, [batch, numClasses]; empty: the model's only output. A softmax there is removed, since distillation needs the logits: a layer with activation softmax (Keras's Dense(…, activation='softmax')) is built without it, and a Softmax layer (or Activation softmax) gives its input instead; in a graph, a Softmax node, also behind Identity nodes, gives its input.",
    },
    embedding: {
      type: 'string',
      default: '',
      description:
        "Name of the layer (graph model: the node) whose output is the pooled embedding, [batch, features]; empty: the input of the logits layer when it is [batch, features] (the pooled vector a Dense classifier reads; in a graph, the first input of the logits' MatMul, behind a BiasAdd), otherwise the spatial mean of the last stage, or the logits when no stage is named.",
    },
    stages: {
      type: 'object',
      propertyNames: { pattern: STAGE_NAME },
      additionalProperties: { type: 'string', minLength: 1 },
      maxProperties: 64,
      default: {},
      description:
        'kd stage name → layer name (graph model: node name, `name` or `name:k`), in stage order (e.g. {"stage1": "re_lu_1", "stage2": "re_lu_3"}): the outputs of those layers (top-level layers of the model, matched by name) or nodes are the stage features feature distillers read, NHWC. A graph node is checked on one image when the model is read: a batch dimension and at least one more, and a rank-4 output no larger than the image.',
    },
    maxJsonBytes: {
      type: 'integer',
      minimum: 1,
      maximum: 2 ** 30,
      default: 2 ** 26,
      description: 'Largest model.json kd parses; the model files are untrusted input.',
    },
    maxWeightBytes: {
      type: 'integer',
      minimum: 1,
      maximum: 2 ** 32 - 1,
      default: 2 ** 31 - 1,
      description:
        'Largest total size of the weight shards kd reads; each shard is checked against the sizes the manifest declares before any is read.',
    },
  },
);

/** Options as the plugin's factory receives them: validated, with the schema's defaults applied. */
export type TfjsOptions = OptionsOf<typeof tfjsOptionsSchema>;
