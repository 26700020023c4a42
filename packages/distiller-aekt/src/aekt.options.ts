import type { OptionsOf } from '@kd/core';
import { DKD_WARMUP_SCHEMA } from '@kd/distiller-dkd';
import { AEKT_EXPLICIT_FORMS, AEKT_RATIO_NORMALIZATIONS, AEKT_LOSS_DEFAULTS } from './aekt.loss.js';
import { SERIAL_ORDERS } from './serialization-layer.js';

const RECON = 'Part of a reconstruction of AEKT (the exact loss is not in the sources we could read; see the README).';

/**
 * JSON Schema (draft 2020-12) of the `aekt` distiller's options. Every property has a default and a description; the
 * loss options' defaults are {@link AEKT_LOSS_DEFAULTS}, which `aektLoss` also uses when called directly.
 */
export const aektOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  ...DKD_WARMUP_SCHEMA.rule,
  required: ['name'],
  description:
    'Adaptive explicit knowledge transfer (Park & Lee 2024), RECONSTRUCTED: ceWeight·CE(z^cls) + w(epoch)·τ²·(γ·sg(clip(p^T_t/p^S_t))·TCKD(z^kd) + β·NCKD(z^kd)), with z^kd = FC_ser(z^cls) a task-serialisation layer initialised to the identity.',
  properties: {
    name: { const: 'aekt', description: 'Selects the adaptive explicit knowledge transfer (AEKT) distiller.' },
    gamma: {
      type: 'number',
      minimum: 0,
      default: AEKT_LOSS_DEFAULTS.gamma,
      description: `Weight γ of the explicit (target-class) term. Default 1 = DKD's α (mdistiller CIFAR-100). ${RECON}`,
    },
    beta: {
      type: 'number',
      minimum: 0,
      default: AEKT_LOSS_DEFAULTS.beta,
      description:
        'Weight β of the implicit term NCKD (KL between the non-target distributions). Default 8 = DKD’s mdistiller CIFAR-100 β; DKD uses 2 or 6 for some pairs and 1–4 is advised for 10 classes.',
    },
    temperature: {
      type: 'number',
      exclusiveMinimum: 0,
      default: AEKT_LOSS_DEFAULTS.temperature,
      description:
        'Softmax temperature τ of both distillation terms (each multiplied by τ²) and of the ratio r = p^T_t / p^S_t. Default 4 (DKD CIFAR-100).',
    },
    ceWeight: {
      type: 'number',
      minimum: 0,
      default: AEKT_LOSS_DEFAULTS.ceWeight,
      description: 'Weight of the cross-entropy with the hard labels on the classification logits z^cls (τ = 1). Default 1 (DKD).',
    },
    ...DKD_WARMUP_SCHEMA.properties,
    ratioClip: {
      type: 'array',
      prefixItems: [
        { type: 'number', minimum: 0 },
        { type: 'number', exclusiveMinimum: 0 },
      ],
      items: false,
      minItems: 2,
      maxItems: 2,
      default: [...AEKT_LOSS_DEFAULTS.ratioClip],
      description: `[r_min, r_max] (r_min ≤ r_max): the adaptive ratio r = p^T_t / p^S_t (stop-gradient) is clipped to this range, so that it cannot blow up when the student's target probability is ≈ 0 early in training. Default [0.1, 10]. ${RECON}`,
    },
    explicitForm: {
      enum: [...AEKT_EXPLICIT_FORMS],
      default: AEKT_LOSS_DEFAULTS.explicitForm,
      description: `Explicit-knowledge term per sample: 'weightedTCKD' = r·KL(binary target-vs-rest) (reduces to DKD's TCKD at r = 1), or 'softTargetCE' = −r·p^T_t·log p^S_t (soft-target cross-entropy on the target class only). Default 'weightedTCKD'. ${RECON}`,
    },
    adaptive: {
      type: 'boolean',
      default: AEKT_LOSS_DEFAULTS.adaptive,
      description:
        'true: weight the explicit term by the clipped teacher/student target-probability ratio. false: r ≡ 1 (with serialization false, or at the identity initialisation, this is exactly DKD with α = γ). Default true.',
    },
    ratioNormalization: {
      enum: [...AEKT_RATIO_NORMALIZATIONS],
      default: AEKT_LOSS_DEFAULTS.ratioNormalization,
      description: `'batchMean': divide the clipped ratios by their batch mean, so they only redistribute the explicit term's weight between samples and its total stays DKD's TCKD (as stable as DKD). 'none': the clipped ratio as is (the reconstruction as first written; up to r_max times TCKD). ${RECON}`,
    },
    serialization: {
      type: 'boolean',
      default: false,
      description:
        'true: a task-serialisation FC layer (C×C weights initialised to the identity, zero bias) between the classification and the distillation logits (see serialOrder); it is trained and checkpointed with the student, and its matrix is written to artifacts/aekt-serialization.json at the end of the run. false (default): no layer, z^kd = z^cls. The layer is part of the reconstruction as first written, but on the bench it made training unstable (with it the first-written setting diverged in epoch 2 and even r ≡ 1 lost 5 points to DKD; without it AEKT trains like DKD; see the README), so it is opt-in.',
    },
    serialOrder: {
      enum: [...SERIAL_ORDERS],
      default: 'cls->kd',
      description:
        "'cls->kd' (default): CE on the student's logits, distillation on FC_ser(logits); FC_ser is dropped at deployment and the student is unchanged. 'kd->cls': distillation on the student's logits, CE on FC_ser(logits); FC_ser stays on the deployed student (evaluation and final/ go through it, saved as its head).",
    },
  },
} as const;

/** Options of the `aekt` distiller as its factory receives them: validated, with the schema's defaults applied. */
export type AektOptions = OptionsOf<typeof aektOptionsSchema>;
