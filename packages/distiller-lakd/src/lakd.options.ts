import type { OptionsOf } from '@kd/core';

/** How the non-directional activation map enters the objective (§5.2 step 4 of the reconstruction). */
export const NDAM_MODES = ['loss', 'weight', 'both', 'off'] as const;
export type NdamMode = (typeof NDAM_MODES)[number];

export const HARD_LOSSES = ['ce', 'ce+kd'] as const;
export type HardLoss = (typeof HARD_LOSSES)[number];

export const CONNECTOR_MODES = ['auto', 'always'] as const;
export type ConnectorMode = (typeof CONNECTOR_MODES)[number];

export const FEATURE_TAPS = ['output', 'preact'] as const;
export type FeatureTap = (typeof FEATURE_TAPS)[number];

export const ATTENTION_REDUCTIONS = ['mean', 'sum'] as const;
export type AttentionReduction = (typeof ATTENTION_REDUCTIONS)[number];

/** JSON Schema (draft 2020-12) of the `lakd` distiller's options. Every property has a default and a description. */
export const lakdOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  description:
    'LAKD (Zhang et al. 2024, arXiv 2408.11478): the student is split into local modules at its stage boundaries, each trained only by its own objective (gradients truncated between modules); non-directional activation maps (channel-summed |F|, mixed average/max pooling, normalised per sample) transfer coarse spatial knowledge. The paper gives no code; see the package README for which reading of each ambiguous point is the default.',
  properties: {
    name: { const: 'lakd', description: 'Selects the LAKD distiller.' },
    alpha: {
      type: 'number',
      minimum: 0,
      maximum: 1,
      default: 0.5,
      description:
        'α of L_t = α·L_h + (1 − α)·L_att + β·L_lf: weight of the hard loss on the last module. No value is published; 0.5 is the reconstruction default.',
    },
    attentionWeight: {
      type: ['number', 'null'],
      minimum: 0,
      default: null,
      description:
        "Weight of the attention loss L_att in every module; null means 1 − α as in the paper's total loss. Set 0 to switch the attention loss off while keeping α.",
    },
    beta: {
      type: 'number',
      minimum: 0,
      default: 1,
      description: 'β: weight of the local feature loss L_lf (MSE between teacher and student stage features, averaged over elements).',
    },
    truncate: {
      type: 'boolean',
      default: true,
      description:
        "Separation-decoupling: each module gets a constant copy of the previous module's output, so no gradient crosses a module boundary and each module's graph is freed after its own update. false trains end to end on the sum of the module losses (an ablation; with attentionWeight 0 it is a multi-stage FitNet loss).",
    },
    modules: {
      type: ['array', 'null'],
      minItems: 1,
      items: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
      default: null,
      description:
        'Local modules as consecutive groups of student stage names, e.g. [["stage1"], ["stage2", "stage3"]]; they must list every stage once, in order. null: one module per stage. The stem belongs to the first stage and the pooling + classifier to the last module.',
    },
    teacherStages: {
      type: ['array', 'null'],
      items: { type: 'string', minLength: 1 },
      default: null,
      description:
        "Teacher stage whose feature each module imitates, one per module. null: the teacher stage with the same index as the module's last student stage, which needs teacher and student to have the same number of stages.",
    },
    feature: {
      enum: [...FEATURE_TAPS],
      default: 'output',
      description:
        'Which feature of a stage is compared: its output (after the activation, what the next module receives) or its pre-activation tap `<stage>_preact` where the backbone exposes one.',
    },
    ndam: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description:
        "Non-directional activation mapping (a reconstruction: no official code or full method section was available). A(F) = Σ_c |F_c|; W = avgWeight·AvgPool(A) + maxWeight·MaxPool(A) with a k×k window at stride s (zero padding ⌊(k − 1)/2⌋, counted in the average like PyTorch's AvgPool2d) or global pooling; the map is compared or used as weights as `mode` says.",
      properties: {
        mode: {
          enum: [...NDAM_MODES],
          default: 'weight',
          description:
            '"weight" (default; the one NDAM formula recovered from the paper builds W from the teacher alone and weights the local feature loss with it): W(F_T), rescaled to mean 1, weights the positions of L_lf — on resnet20/56 stage shapes this changes the feature-loss gradient by 13–24 %; "loss": a separate L_att = ‖N(F_S) − N(F_T)‖² with N = W/‖W‖₂ (the reading of the total loss\'s L_att term); "both": both; "off": neither (plain multi-stage feature loss).',
        },
        avgWeight: { type: 'number', minimum: 0, default: 0.5, description: 'a: weight of the average-pooled map.' },
        maxWeight: { type: 'number', minimum: 0, default: 0.5, description: 'b: weight of the max-pooled map.' },
        kernel: {
          oneOf: [{ type: 'integer', minimum: 1 }, { const: 'global' }],
          default: 3,
          description:
            'Pooling window k (odd at stride 1, so the map keeps its size), or "global": one average and one maximum over the whole map, so W is one number per sample and the weight reading weights samples (rescaled to mean 1 over the batch); "global" has no L_att (a unit-normalised scalar is 1), so it needs mode "weight".',
        },
        stride: {
          type: 'integer',
          minimum: 1,
          default: 1,
          description:
            'Pooling stride s: the map has (H/s)×(W/s) cells, each weighting its s×s block of positions in the weight reading; s must divide the feature size. Ignored with kernel "global".',
        },
        reduction: {
          enum: [...ATTENTION_REDUCTIONS],
          default: 'sum',
          description:
            'How L_att (modes "loss" and "both") reduces over the cells of the map: "sum" (default: ‖N(F_S) − N(F_T)‖² per sample, in [0, 4] whatever the map size) or "mean" (÷ cells, AT-style — kd\'s earlier default, whose gradient is 1e-4…1e-3 of the feature loss\'s on resnet20 stage shapes, so with weight 1 − α it barely acts; AT uses β = 1000 for the same form).',
        },
      },
    },
    lastFeatureLoss: {
      type: 'boolean',
      default: true,
      description:
        "Whether the last module (with the classifier) also minimises β·L_lf; the reconstruction's table marks this term optional.",
    },
    hardLoss: {
      enum: [...HARD_LOSSES],
      default: 'ce',
      description:
        'L_h on the last module: cross-entropy with the labels, or CE plus Hinton KD on the logits (kdWeight·τ²·KL). The paper only says "hard"; CE is the default.',
    },
    kdWeight: { type: 'number', minimum: 0, default: 1, description: 'Weight of the logit KD term when hardLoss is "ce+kd".' },
    temperature: {
      type: 'number',
      exclusiveMinimum: 0,
      default: 4,
      description: 'Temperature τ of the logit KD term when hardLoss is "ce+kd".',
    },
    connector: {
      enum: [...CONNECTOR_MODES],
      default: 'auto',
      description:
        'A 1×1 conv + BN connector maps a module\'s feature to the teacher\'s channels: "auto" only where the channel counts differ, "always" in every module. Connectors are trained with their module and not exported.',
    },
    progressive: {
      oneOf: [{ enum: ['off', 'linear'] }, { type: 'array', items: { type: 'integer', minimum: 0 }, minItems: 1 }],
      default: 'off',
      description:
        'Explicit simple-to-complex curriculum: the 0-based epoch from which each module\'s loss is on (a list, one per module), "linear" for e_l = ⌊l·E/(2L)⌋ (l = 0..L−1, E epochs of the stage), or "off" (all modules from the start; shallow modules still converge first because of truncation).',
    },
    maps: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description:
        "Activation-map heat maps (teacher and student NDAM per module) written as PNG into the run directory's maps/ folder for a fixed set of training images.",
      properties: {
        every: {
          type: 'integer',
          minimum: 0,
          default: 5,
          description: 'Write every this many epochs, and after the last one; 0 disables.',
        },
        images: {
          type: 'integer',
          minimum: 1,
          maximum: 64,
          default: 8,
          description: 'How many images (the first of the first training batch) to map.',
        },
      },
    },
  },
} as const;

/** Options of the `lakd` distiller as its factory receives them: validated, with the schema's defaults applied. */
export type LakdOptions = OptionsOf<typeof lakdOptionsSchema>;
