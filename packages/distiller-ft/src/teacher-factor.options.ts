import type { OptionsOf } from '@kd/core';

const optimizerOverride = (description: string) =>
  ({
    type: 'object',
    additionalProperties: false,
    default: {},
    description,
    properties: {
      type: { enum: ['sgd', 'adam', 'adamw'], description: 'Optimiser type.' },
      lr: { type: 'number', exclusiveMinimum: 0, description: 'Base learning rate (the run’s schedule still applies).' },
      momentum: { type: 'number', minimum: 0, description: 'SGD momentum.' },
      nesterov: { type: 'boolean', description: 'Nesterov momentum.' },
      weightDecay: { type: 'number', minimum: 0, description: 'L2 weight decay.' },
      beta1: { type: 'number', minimum: 0, exclusiveMaximum: 1, description: 'Adam β1.' },
      beta2: { type: 'number', minimum: 0, exclusiveMaximum: 1, description: 'Adam β2.' },
      epsilon: { type: 'number', exclusiveMinimum: 0, description: 'Adam ε.' },
    },
  }) as const;

/** JSON Schema properties shared by FT and IE-KD (both train a teacher auto-encoder first). */
export const teacherFactorSchemaProperties = {
  teacherFeature: {
    type: 'string',
    minLength: 1,
    default: 'last',
    description:
      'Teacher feature the auto-encoder reads: a feature name of the teacher backbone (e.g. "stage3", "stage3_preact") or "last" for its last stage output. The reference taps the last convolutional stage after its activation, before pooling.',
  },
  studentFeature: {
    type: 'string',
    minLength: 1,
    default: 'last',
    description: 'Student feature the encoder(s) read, as teacherFeature. Its spatial size must equal the teacher feature’s.',
  },
  factorChannels: {
    type: 'integer',
    minimum: 0,
    default: 0,
    description:
      'Channels k of the compact factors. 0: round(factorRate · teacher channels) (the reference: 64→32 for CIFAR ResNets, 640→32 for WRN-28-10).',
  },
  factorRate: {
    type: 'number',
    exclusiveMinimum: 0,
    default: 0.5,
    description: 'Factor rate used when factorChannels is 0 (FT paper and IE-KD code: 0.5 for ResNet teachers).',
  },
  leakySlope: {
    type: 'number',
    minimum: 0,
    default: 0.1,
    description: 'Negative slope of the LeakyReLUs of every coder (reference: 0.1).',
  },
  reconstructionNorm: {
    enum: [1, 2],
    default: 1,
    description:
      'Reconstruction loss of the auto-encoder stage: 1 = mean absolute error (the reference code’s RecLoss(norm=1)), 2 = mean squared error (the paper’s ‖f − R(f)‖²).',
  },
  autoEncoderEpochs: {
    type: 'integer',
    minimum: 0,
    default: 30,
    description:
      'Epochs of the first stage, which trains the teacher auto-encoder alone (reference: 30). Skipped when a cached auto-encoder matches.',
  },
  autoEncoderOptimizer: optimizerOverride(
    'Overrides of training.optimizer for the auto-encoder stage (reference: {"type":"sgd","lr":0.1,"momentum":0.9,"nesterov":true,"weightDecay":5e-4}, constant lr). {} uses the run’s optimiser.',
  ),
  studentOptimizer: optimizerOverride('Overrides of training.optimizer for the student stage. {} uses the run’s optimiser.'),
  cache: {
    type: 'boolean',
    default: true,
    description:
      'Reuse a trained teacher auto-encoder: keyed by a SHA-256 of the teacher’s weights and every option, dataset, batch size, seed and optimiser that shaped it. A hit skips the auto-encoder stage.',
  },
  cacheDir: {
    type: 'string',
    default: '',
    description:
      'Directory of the auto-encoder cache, relative to the config file. "": $KD_CACHE_DIR/teacher-factor when KD_CACHE_DIR is set (shared across runs), else the run directory’s cache/teacher-factor.',
  },
} as const;

/** Options of the stage that trains an auto-encoder on the frozen teacher's feature (FT's paraphraser, IE-KD's E_T). */
export type TeacherFactorOptions = OptionsOf<{
  readonly type: 'object';
  readonly additionalProperties: false;
  readonly properties: typeof teacherFactorSchemaProperties;
}>;
