/**
 * `stages`: the student stages a stage-pairing method distils at, which `pairStages` pairs with `teacherStagesOption`.
 * Every such method declares the same list; what an empty list means and which tensor is read differ by method, so a
 * method spreads this fragment and writes its own description over the generic one.
 */
export const studentStagesOption = {
  type: 'array',
  items: { type: 'string', minLength: 1 },
  default: [],
  description:
    'Student stages to distil (names from the backbone’s stages, e.g. "stage2"). Empty: every stage name the student and teacher share, in order.',
} as const;
