import { FITNET_LOSS_DEFAULTS } from './fitnet.loss.js';
import type { OptionsOf } from '@kd/core';

/**
 * JSON Schema (draft 2020-12) of the `fitnet` distiller's options. Every property has a default and a description;
 * the loss weights' defaults are {@link FITNET_LOSS_DEFAULTS}, which `fitnetLossTerms` also uses when called directly.
 */
export const fitnetOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  description:
    'FitNets (Romero et al. 2015): ceWeight·CE + hintWeight·MSE(r(F_S), F_T), a conv+BN(+ReLU) regressor r from a student stage to a teacher stage, plus an optional kdWeight·τ²·KL logit term; optionally the paper’s two stages (hint pre-training, then distillation).',
  properties: {
    name: { const: 'fitnet', description: 'Selects the FitNets hint distiller.' },
    hintWeight: {
      type: 'number',
      minimum: 0,
      default: FITNET_LOSS_DEFAULTS.hintWeight,
      description: 'Weight of the hint term MSE(r(F_S), F_T) (mean over every element). mdistiller CIFAR-100 FEAT_WEIGHT 100.',
    },
    ceWeight: {
      type: 'number',
      minimum: 0,
      default: FITNET_LOSS_DEFAULTS.ceWeight,
      description: 'Weight of the cross-entropy with the hard labels. mdistiller 1.',
    },
    kdWeight: {
      type: 'number',
      minimum: 0,
      default: FITNET_LOSS_DEFAULTS.kdWeight,
      description:
        'Weight of Hinton’s logit term τ²·KL(softmax(z_T/τ) ‖ softmax(z_S/τ)). 0 (mdistiller’s FitNet) leaves it out. The paper’s second stage is KD: with hintEpochs > 0 use e.g. ceWeight 0.1, kdWeight 0.9.',
    },
    temperature: {
      type: 'number',
      exclusiveMinimum: 0,
      default: FITNET_LOSS_DEFAULTS.temperature,
      description: 'Temperature τ of the logit term (used only when kdWeight > 0).',
    },
    hintStage: {
      type: 'string',
      minLength: 1,
      default: 'auto',
      description:
        'Student stage whose feature is the guided layer (e.g. "stage2"). "auto": the middle stage, stages[⌊(n − 1)/2⌋] — stage2 of 3 like mdistiller’s HINT_LAYER 2 on CIFAR (feats[0] is its stem), stage1 of 2.',
    },
    teacherStage: {
      type: 'string',
      minLength: 1,
      default: 'auto',
      description:
        'Teacher stage giving the hint. "auto": the teacher stage of the same name as the student’s hint stage (mdistiller uses the same index for both).',
    },
    feature: {
      enum: ['output', 'preact'],
      default: 'output',
      description:
        'Which tensor of the two stages is used: "output" (after the stage’s ReLU, and pooling in the cnn backbone), as mdistiller’s feats; or "preact" (stageN_preact), where the backbone gives one.',
    },
    kernelSize: {
      enum: [1, 3],
      default: 1,
      description:
        'Kernel of the regressor’s convolution when student and teacher maps have the same size (1: mdistiller’s ConvReg; 3: the paper’s convolutional regressor, padding 1). Other sizes follow ConvReg: a 3×3 stride-2 convolution for a map twice the teacher’s, a 4×4 stride-2 transposed convolution for half, a valid (1+Hs−Ht)×(1+Ws−Wt) convolution otherwise.',
    },
    relu: {
      type: 'boolean',
      default: true,
      description:
        'Apply a ReLU after the regressor’s BatchNorm (mdistiller’s ConvReg default use_relu=True; right for post-ReLU teacher features, turn off for "preact").',
    },
    hintEpochs: {
      type: 'integer',
      minimum: 0,
      default: 0,
      description:
        'The paper’s two-stage training when > 0: a "hint" stage of this many epochs training the student and the regressor on hintWeight·MSE alone (only the layers up to the guided one receive gradient), then a "distill" stage of training.epochs training the student on ceWeight·CE + kdWeight·τ²·KL. 0: mdistiller’s single stage with every term.',
    },
  },
} as const;

/** Options of the `fitnet` distiller as its factory receives them: validated, with the schema's defaults applied. */
export type FitnetOptions = OptionsOf<typeof fitnetOptionsSchema>;
