import type { Network } from '../contracts/network.js';
import { pairStages, type StagePair } from './pair-stages.js';
import { featureName, probeFeatures, requireSpatialFeature, type FeatureKind } from './probe-features.js';

/** Which stages a feature method compares, as its options state them (the at/nst/sp/kdsvd/vid option trio). */
export interface StageSelection {
  readonly stages: readonly string[];
  readonly teacherStages: readonly string[];
  readonly feature: FeatureKind;
}

/** Where the user chose the tapped features, for the error when one is missing or not spatial. */
export type TapPointers = string | { readonly student: string; readonly teacher: string };

/** Paired feature names and their [H, W, C] shapes (no batch), in the order of the stage pairs they come from. */
export interface StageTaps {
  /** The stage names (what modules built per pair are named after). */
  readonly stages: readonly StagePair[];
  /** The feature names in `NetworkOutput.features`. */
  readonly pairs: StagePair[];
  readonly shapes: { readonly student: readonly number[]; readonly teacher: readonly number[] }[];
}

/**
 * Turns stage pairs into feature pairs of one kind and checks, from one probe of each network, that every feature
 * exists and is spatial: a misnamed stage or a backbone without pre-activations fails at setup, naming the option.
 */
export function tapStages(
  student: Network,
  teacher: Network,
  stagePairs: readonly StagePair[],
  kind: FeatureKind,
  pointers: TapPointers = '/distiller/feature',
): StageTaps {
  const where = typeof pointers === 'string' ? { student: pointers, teacher: pointers } : pointers;
  const sShapes = probeFeatures(student);
  const tShapes = probeFeatures(teacher);
  const pairs: StagePair[] = [];
  const shapes: StageTaps['shapes'] = [];
  for (const pair of stagePairs) {
    const s = featureName(pair.student, kind);
    const t = featureName(pair.teacher, kind);
    shapes.push({
      student: requireSpatialFeature('student', student, sShapes, s, where.student),
      teacher: requireSpatialFeature('teacher', teacher, tShapes, t, where.teacher),
    });
    pairs.push({ student: s, teacher: t });
  }
  return { stages: stagePairs, pairs, shapes };
}

/** `pairStages` then `tapStages`: the setup every stage-feature method shares. */
export function stageTaps(student: Network, teacher: Network, selection: StageSelection, pointers?: TapPointers): StageTaps {
  return tapStages(student, teacher, pairStages(student, teacher, selection.stages, selection.teacherStages), selection.feature, pointers);
}
