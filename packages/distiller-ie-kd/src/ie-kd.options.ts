import { TEACHER_FACTOR_DEFAULTS, teacherFactorSchemaProperties, type TeacherFactorOptions } from '@kd/distiller-ft';

export type ChannelSplit = 'natural' | 'random' | 'none';
export type ExplorationLoss = 'distance' | 'cosine';
export type IeKdMode = 'teacher' | 'mutual';

export interface IeKdOptions extends TeacherFactorOptions {
  readonly name: 'ie-kd';
  readonly mode: IeKdMode;
  readonly split: ChannelSplit;
  readonly inheritanceWeight: number;
  readonly explorationWeight: number;
  readonly explorationLoss: ExplorationLoss;
  readonly p: 1 | 2;
  readonly ceWeight: number;
  readonly kdWeight: number;
  readonly temperature: number;
  readonly ckaSamples: number;
  readonly klWeight: number;
  readonly reconstructionWeight: number;
  readonly peer: Readonly<Record<string, unknown>>;
}

export const IE_KD_DEFAULTS = {
  ...TEACHER_FACTOR_DEFAULTS,
  mode: 'teacher' as IeKdMode,
  split: 'natural' as ChannelSplit,
  inheritanceWeight: 500,
  explorationWeight: 50,
  explorationLoss: 'distance' as ExplorationLoss,
  p: 1 as const,
  ceWeight: 1,
  kdWeight: 0,
  temperature: 4,
  ckaSamples: 256,
  klWeight: 1,
  reconstructionWeight: 1,
  peer: {},
};

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
      default: IE_KD_DEFAULTS.mode,
      description:
        '"teacher": distil from the frozen pre-trained teacher (two stages). "mutual": the mutual-learning form — no teacher; the student and a peer train together, each inheriting from and exploring away from the other’s online auto-encoder factors, plus the DML term (one stage).',
    },
    split: {
      enum: ['natural', 'random', 'none'],
      default: IE_KD_DEFAULTS.split,
      description:
        'How the student’s channels are divided: "natural" (first ⌈C/2⌉ → inheritance, the rest → exploration; the reference default), "random" (one fixed permutation drawn from the run’s RNG, kept in the checkpoint), "none" (all channels inherit; no exploration part — with explorationWeight 0 this is FT).',
    },
    inheritanceWeight: {
      type: 'number',
      minimum: 0,
      default: IE_KD_DEFAULTS.inheritanceWeight,
      description: 'λ_inh. Not fixed by a trustworthy reference config; 500 matches the FT weight of the same repository for this exact distance.',
    },
    explorationWeight: {
      type: 'number',
      minimum: 0,
      default: IE_KD_DEFAULTS.explorationWeight,
      description: 'λ_exp. Not fixed by a trustworthy reference config; tune in {50, 100, 250, 500}. Too high can hurt on small students.',
    },
    explorationLoss: {
      enum: ['distance', 'cosine'],
      default: IE_KD_DEFAULTS.explorationLoss,
      description:
        '"distance": L_exp = −mean|n(F_exp) − n(F_T)|^p (the reference’s NormLoss(negative=True); it decreases below 0 as F_exp moves away); "cosine": L_exp = mean_b |cos(F_exp, F_T)| (CosLoss, orthogonality).',
    },
    p: { enum: [1, 2], default: IE_KD_DEFAULTS.p, description: 'Distance exponent of the inheritance and distance-exploration losses: 1 (paper, reference) or 2.' },
    ceWeight: { type: 'number', minimum: 0, default: IE_KD_DEFAULTS.ceWeight, description: 'Weight of the cross-entropy with the hard labels (the goal loss).' },
    kdWeight: {
      type: 'number',
      minimum: 0,
      default: IE_KD_DEFAULTS.kdWeight,
      description: 'Weight of a τ²·KL(teacher ‖ student) term added to the goal loss (IE-KD combined with KD). 0: CE only, as the reference IE_KD processor.',
    },
    temperature: { type: 'number', exclusiveMinimum: 0, default: IE_KD_DEFAULTS.temperature, description: 'Temperature τ of the optional KD term.' },
    ckaSamples: {
      type: 'integer',
      minimum: 0,
      default: IE_KD_DEFAULTS.ckaSamples,
      description:
        'Test images used for the linear-CKA report at each evaluated epoch of the student stage (metrics ie-kd.cka.inheritance and ie-kd.cka.exploration: CKA of each part’s factors with the teacher’s). 0 disables it.',
    },
    klWeight: { type: 'number', minimum: 0, default: IE_KD_DEFAULTS.klWeight, description: 'Mutual mode: weight of the DML term τ²·KL(p_other ‖ p_self) (temperature τ).' },
    reconstructionWeight: {
      type: 'number',
      minimum: 0,
      default: IE_KD_DEFAULTS.reconstructionWeight,
      description: 'Mutual mode: weight of each network’s online auto-encoder reconstruction loss (on its detached feature).',
    },
    peer: {
      type: 'object',
      default: IE_KD_DEFAULTS.peer,
      description: 'Mutual mode: backbone of the peer, like student.backbone; {} = the student’s backbone and options.',
      properties: { name: { type: 'string', minLength: 1, description: 'Backbone plugin name.' } },
    },
    ...teacherFactorSchemaProperties,
  },
} as const;
