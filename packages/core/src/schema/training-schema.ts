/** Core-owned sections of the pipeline schema: training, output, backend. */

/**
 * Which parameters weight decay applies to. Shared by the three optimisers: PyTorch's take `weight_decay` for every
 * parameter they are given, and the reference trainers give them `model.parameters()`.
 */
const weightDecayOn = {
  enum: ['all', 'kernels'],
  default: 'all',
  description:
    "Parameters weight decay applies to. all: every trained parameter, batch-norm γ/β and biases included — what mdistiller and RepDistiller do (PyTorch SGD with weight_decay over model.parameters()), the recipe of the published CIFAR-100 tables. kernels: convolution and dense kernels only (parameters of rank > 1), kd's rule before it followed that recipe, and a common choice in newer recipes.",
} as const;

const optimizer = {
  type: 'object',
  description: 'Optimiser. SGD follows PyTorch semantics (coupled weight decay); AdamW decouples it.',
  required: ['type'],
  properties: { type: { enum: ['sgd', 'adam', 'adamw'] } },
  discriminator: { propertyName: 'type' },
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['type'],
      properties: {
        type: { const: 'sgd' },
        lr: { type: 'number', exclusiveMinimum: 0, default: 0.05, description: 'Base learning rate.' },
        momentum: {
          type: 'number',
          minimum: 0,
          maximum: 1,
          exclusiveMaximum: 1,
          default: 0.9,
          description: 'Momentum factor (0 disables).',
        },
        nesterov: { type: 'boolean', default: false, description: 'Nesterov momentum.' },
        weightDecay: { type: 'number', minimum: 0, maximum: 1, default: 5e-4, description: 'L2 weight decay added to the gradient.' },
        weightDecayOn,
      },
    },
    ...(['adam', 'adamw'] as const).map((t) => ({
      type: 'object',
      additionalProperties: false,
      required: ['type'],
      properties: {
        type: { const: t },
        lr: { type: 'number', exclusiveMinimum: 0, default: 1e-3, description: 'Base learning rate.' },
        beta1: { type: 'number', minimum: 0, exclusiveMaximum: 1, default: 0.9, description: 'First-moment decay.' },
        beta2: { type: 'number', minimum: 0, exclusiveMaximum: 1, default: 0.999, description: 'Second-moment decay.' },
        epsilon: { type: 'number', exclusiveMinimum: 0, default: 1e-8, description: 'Denominator guard.' },
        weightDecay: {
          type: 'number',
          minimum: 0,
          maximum: 1,
          default: t === 'adamw' ? 1e-2 : 0,
          description: t === 'adamw' ? 'Decoupled weight decay (AdamW).' : 'L2 penalty added to the gradient.',
        },
        weightDecayOn,
      },
    })),
  ],
} as const;

const schedule = {
  type: 'object',
  additionalProperties: false,
  description: 'Learning-rate schedule over epochs, with optional linear warm-up.',
  properties: {
    type: { enum: ['constant', 'multistep', 'cosine'], default: 'constant', description: 'Schedule shape.' },
    milestones: {
      type: 'array',
      items: { type: 'integer', minimum: 1 },
      default: [],
      description: 'multistep: epochs (1-based, as mdistiller counts) after which the rate is multiplied by gamma.',
    },
    gamma: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.1, description: 'multistep: decay factor.' },
    minLr: { type: 'number', minimum: 0, default: 0, description: 'cosine: final learning rate.' },
    warmupEpochs: { type: 'integer', minimum: 0, default: 0, description: 'Linear warm-up from 0 over this many epochs (per step).' },
  },
  default: {},
} as const;

const batchNorm = {
  type: 'object',
  additionalProperties: false,
  description: "Batch-norm layers of the networks the run builds (the student, the teacher, a distiller's extra networks).",
  properties: {
    runningVariance: {
      enum: ['unbiased', 'biased'],
      default: 'unbiased',
      description:
        "Batch variance a training step folds into the running variance (momentum 0.1). unbiased: times n/(n−1), n = batch·height·width values per channel — PyTorch's BatchNorm2d, as in every reference implementation. biased: tfjs-layers' and Keras's rule, kd's before it followed PyTorch. Normalisation uses the biased batch variance either way; the running statistics only matter at evaluation.",
    },
  },
  default: {},
} as const;

export const trainingSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['epochs'],
  description: 'How the trained networks are optimised.',
  properties: {
    epochs: { type: 'integer', minimum: 1, maximum: 100000, description: 'Epochs of the main stage.' },
    batchSize: { type: 'integer', minimum: 1, maximum: 65536, default: 64, description: 'Training batch size.' },
    evalBatchSize: { type: 'integer', minimum: 1, maximum: 65536, default: 256, description: 'Evaluation batch size.' },
    seed: { type: 'integer', minimum: 0, maximum: 4294967295, default: 0, description: 'Seed of every random draw of the run.' },
    optimizer: { ...optimizer, default: { type: 'sgd' } },
    schedule,
    batchNorm,
    evalEvery: { type: 'integer', minimum: 1, default: 1, description: 'Evaluate every N epochs (and always after the last).' },
    lossSpikeFactor: {
      type: 'number',
      minimum: 1,
      default: 10,
      description:
        "Warn (progress line, metrics.jsonl, summary.json, report) when a step's total loss exceeds this factor times the median of the last 50 steps. A NaN or infinite loss always stops the run.",
    },
  },
} as const;

export const outputSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['dir'],
  description: 'Where the run writes its directory.',
  properties: {
    dir: { type: 'string', minLength: 1, description: 'Run directory (relative to the config file).' },
    overwrite: { type: 'boolean', default: false, description: 'Replace an existing finished run directory.' },
    keepCheckpoints: { type: 'integer', minimum: 1, default: 2, description: 'How many epoch checkpoints to keep.' },
  },
} as const;

export const backendSchema = {
  enum: ['auto', 'tensorflow', 'wasm', 'cpu'],
  default: 'auto',
  description: 'Compute backend. auto: tfjs-node-gpu or tfjs-node when installed, else wasm, else cpu.',
} as const;
