/**
 * Option schemas that every stage-pairing method declares the same way, so the wording, default and validation of
 * "which teacher stage" and "which tensor of a stage" live in one place (`pairStages` and `featureOf` read them).
 * Spread them into a method's `as const` options schema; `OptionsOf` derives their types as if written inline.
 */

/** `teacherStages`: the teacher stage paired with each entry of the method's `stages`, position by position. */
export const teacherStagesOption = {
  type: 'array',
  items: { type: 'string', minLength: 1 },
  default: [],
  description: 'Teacher stage paired with each entry of stages, position by position. Empty: the teacher stage of the same name.',
} as const;

/** `feature`: which tensor of each stage is tapped, as `featureName` names it. */
export const featureTapOption = {
  enum: ['output', 'preact'],
  default: 'output',
  description:
    'Which tensor of each stage is tapped: "output" (the stage’s output after its ReLU — and, in the cnn backbone, its pooling), as the reference implementations’ feats; or "preact", the stage’s last pre-activation (stageN_preact), where the backbone gives one.',
} as const;
