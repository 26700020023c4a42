import { backboneOptionsSchema, type OptionsOf } from '@kd/core';

const LAYOUT = ['NCHW', 'NHWC'] as const;

/** The largest file one protobuf message can be: a bigger model keeps its weights in external data, which kd refuses. */
export const MAX_ONNX_BYTES = 2 ** 31 - 1;

export const onnxOptionsSchema = backboneOptionsSchema(
  'onnx',
  'A frozen teacher run in ONNX Runtime from the .onnx file that teacher.weights names (any architecture exported to ONNX). Teacher only: a student must be a kd backbone.',
  {
    layout: {
      enum: LAYOUT,
      default: 'NCHW',
      description:
        "Layout of the model's image input: NCHW (PyTorch exports) or NHWC (TensorFlow exports). kd's NHWC batches are transposed to it.",
    },
    featureLayout: {
      enum: LAYOUT,
      default: 'NCHW',
      description: 'Layout of the rank-4 stage outputs the model produces; kd transposes them to NHWC, its feature layout.',
    },
    input: {
      type: 'string',
      default: '',
      description: "Name of the model's image input; empty: the model's only input.",
    },
    logits: {
      type: 'string',
      minLength: 1,
      default: 'logits',
      description: 'Name of the output holding the logits, [batch, numClasses] (before softmax).',
    },
    embedding: {
      type: 'string',
      default: '',
      description:
        'Name of the output holding the pooled embedding before the classifier, [batch, features]; empty: the spatial mean of the last stage, or the logits when no stage is named.',
    },
    stages: {
      type: 'object',
      propertyNames: { pattern: '^[A-Za-z][A-Za-z0-9_]*$' },
      additionalProperties: { type: 'string', minLength: 1 },
      maxProperties: 32,
      default: {},
      description:
        'kd stage name → ONNX output name, in stage order (e.g. {"stage1": "layer1_out", "stage2": "layer2_out"}): the features feature distillers read. Export those tensors as named outputs of the model.',
    },
    executionProviders: {
      type: 'array',
      items: { enum: ['cpu', 'cuda', 'tensorrt', 'dml', 'coreml', 'webgpu'] },
      minItems: 1,
      uniqueItems: true,
      default: ['cpu'],
      description:
        'ONNX Runtime execution providers in order of preference, e.g. ["cuda", "cpu"]; "cuda" needs the CUDA binaries of onnxruntime-node (installed unless ONNXRUNTIME_NODE_INSTALL=skip) and CUDA 12 on the machine.',
    },
    threads: {
      type: 'integer',
      minimum: 0,
      maximum: 1024,
      default: 0,
      description: "ONNX Runtime's intra-op threads for the CPU provider; 0: its default (one per physical core).",
    },
    maxFileBytes: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_ONNX_BYTES,
      default: MAX_ONNX_BYTES,
      description: 'Largest .onnx file kd reads; the model file is untrusted input and is read whole into memory.',
    },
    timeoutSeconds: {
      type: 'number',
      exclusiveMinimum: 0,
      default: 600,
      description:
        'How long opening the model or one forward pass may take before kd stops waiting for ONNX Runtime (the training thread blocks while it runs).',
    },
  },
);

/** Options as the plugin's factory receives them: validated, with the schema's defaults applied. */
export type OnnxOptions = OptionsOf<typeof onnxOptionsSchema>;
