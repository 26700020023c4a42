import type { OptionsOf } from '@kd/core';
import { teacherFactorSchemaProperties } from '@kd/distiller-ft';

/** JSON Schema (draft 2020-12) of the `ie-kd` distiller's options. */
export const ieKdOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  description:
    'Inheritance and exploration KD (Huang et al. 2021): stage 1 trains an auto-encoder on the frozen teacher’s feature; stage 2 splits the student’s feature into an inheritance and an exploration part, each with its own encoder, and minimises ceWeight·CE + kdWeight·KD + λ_inh·‖n(F_inh) − n(F_T)‖₁ + λ_exp·L_exp with L_exp pushing F_exp away from F_T.',
  properties: {
    name: { const: 'ie-kd', description: 'Selects the inheritance and exploration KD (IE-KD) distiller.' },
    mode: {
      enum: ['teacher', 'mutual'],
      default: 'teacher',
      description:
        '"teacher": distil from the frozen pre-trained teacher (two stages). "mutual": the mutual-learning form — no teacher; the student and a peer train together, each inheriting from and exploring away from the other’s online auto-encoder factors, plus the DML term (one stage).',
    },
    split: {
      enum: ['natural', 'random', 'none'],
      default: 'natural',
      description:
        'How the student’s channels are divided: "natural" (the first channels → inheritance, the rest → exploration; the official code’s default `divide: natural`), "random" (one fixed permutation drawn from the run’s RNG, kept in the checkpoint), "none" (all channels inherit; no exploration part — with explorationWeight 0 this is FT).',
    },
    oddChannel: {
      enum: ['exploration', 'inheritance'],
      default: 'exploration',
      description:
        'Which part gets the extra channel when the student’s channel count C is odd. "exploration": inheritance takes int(C/2) channels, as the official divide_features; "inheritance": inheritance takes ⌈C/2⌉ (kd’s earlier rule).',
    },
    inheritanceWeight: {
      type: 'number',
      minimum: 0,
      default: 500,
      description:
        'λ_inh. No source gives it: the official config for IE-KD (config/ie_kd.yaml) sets base 1 for a processor the repository lacks; 500 is kd’s choice, the FT weight of the same repository for this distance.',
    },
    explorationWeight: {
      type: 'number',
      minimum: 0,
      default: 50,
      description:
        'λ_exp. No source gives it (the official config/ie_kd.yaml sets base 1 for a processor the repository lacks); 50 is kd’s choice. Tune in {50, 100, 250, 500}; too high can hurt on small students.',
    },
    explorationLoss: {
      enum: ['distance', 'cosine'],
      default: 'distance',
      description:
        '"distance": L_exp = −mean|n(F_exp) − n(F_T)|^p (the reference’s NormLoss(negative=True); it decreases below 0 as F_exp moves away); "cosine": L_exp = mean_b |cos(F_exp, F_T)| (CosLoss, orthogonality).',
    },
    p: {
      enum: [1, 2],
      default: 1,
      description: 'Distance exponent of the inheritance and distance-exploration losses: 1 (paper, reference) or 2.',
    },
    distanceForm: {
      enum: ['root', 'power'],
      default: 'root',
      description:
        'How the p = 2 distance is reduced: "root" √(mean d²), as the official code’s _factor_transfer, (Σ|d|^p / numel)^(1/p); "power" the mean square mean d². No effect with p = 1.',
    },
    ceWeight: { type: 'number', minimum: 0, default: 1, description: 'Weight of the cross-entropy with the hard labels (the goal loss).' },
    kdWeight: {
      type: 'number',
      minimum: 0,
      default: 0,
      description:
        'Weight of a τ²·KL(teacher ‖ student) term added to the goal loss (IE-KD combined with KD). 0: CE only, as the reference IE_KD processor.',
    },
    temperature: { type: 'number', exclusiveMinimum: 0, default: 4, description: 'Temperature τ of the optional KD term.' },
    ckaSamples: {
      type: 'integer',
      minimum: 0,
      default: 256,
      description:
        'Test images used for the linear-CKA report at each evaluated epoch of the student stage (metrics ie-kd.cka.inheritance and ie-kd.cka.exploration: CKA of each part’s factors with the teacher’s). 0 disables it.',
    },
    klWeight: {
      type: 'number',
      minimum: 0,
      default: 1,
      description: 'Mutual mode: weight of the DML term τ²·KL(p_other ‖ p_self) (temperature τ).',
    },
    reconstructionWeight: {
      type: 'number',
      minimum: 0,
      default: 1,
      description: 'Mutual mode: weight of each network’s online auto-encoder reconstruction loss (on its detached feature).',
    },
    peer: {
      type: 'object',
      default: {},
      description: 'Mutual mode: backbone of the peer, like student.backbone; {} = the student’s backbone and options.',
      properties: { name: { type: 'string', minLength: 1, description: 'Backbone plugin name.' } },
    },
    ...teacherFactorSchemaProperties,
    teacherFeature: {
      ...teacherFactorSchemaProperties.teacherFeature,
      description:
        'Teacher feature the auto-encoder reads: a feature name of the teacher backbone (e.g. "stage3", "stage3_preact", "stage3_relu") or "last". "last" is `<last stage>_relu` where the backbone exposes it — on WRN relu(final BN(block-3 output)), the tensor that is pooled and the one the official code taps — else the last stage output (CIFAR ResNets, whose last block already ends with a ReLU). Name "stage3" for WRN’s raw block output.',
    },
    studentFeature: {
      ...teacherFactorSchemaProperties.studentFeature,
      description:
        'Student feature that is split and encoded, as teacherFeature ("last" prefers `<last stage>_relu` the same way). Its spatial size must equal the teacher feature’s.',
    },
  },
} as const;

/** Options of the `ie-kd` distiller as its factory receives them: validated, with the schema's defaults applied. */
export type IeKdOptions = OptionsOf<typeof ieKdOptionsSchema>;

export type ChannelSplit = IeKdOptions['split'];
export type ExplorationLoss = IeKdOptions['explorationLoss'];
export type IeKdMode = IeKdOptions['mode'];
export type OddChannel = IeKdOptions['oddChannel'];
