import * as tf from '@tensorflow/tfjs-core';
import { KdInputError, type Network } from '@kd/core';

/** Which tensor of a stage is tapped: its output (`stage2`) or its pre-activation (`stage2_preact`). */
export type FeatureKind = 'output' | 'preact';
export const FEATURE_KINDS: readonly FeatureKind[] = ['output', 'preact'];

/** The feature name of a stage for a kind: `stage2` or `stage2_preact`. */
export function featureName(stage: string, kind: FeatureKind): string {
  return kind === 'preact' ? `${stage}_preact` : stage;
}

/**
 * Shapes (without the batch) of every named feature a network gives, from one inference pass on a zero image.
 * Features are only known from a forward pass (a stage's pre-activation can be larger than its output, as in the
 * cnn backbone where pooling ends the stage), so the distiller asks once at setup rather than at the first step.
 */
export function probeFeatures(network: Network): Record<string, readonly number[]> {
  return tf.tidy(() => {
    const out = network.apply(tf.zeros([1, ...network.inputShape]) as tf.Tensor4D, { training: false });
    return Object.fromEntries(Object.entries(out.features).map(([k, v]) => [k, v.shape.slice(1)]));
  });
}

export interface StagePair {
  /** Feature names in `NetworkOutput.features`. */
  readonly student: string;
  readonly teacher: string;
}

function stageNames(network: Network): string[] {
  return network.stages.map((s) => s.name);
}

/** Checks that `feature` exists with an NHWC shape; `pointer` is where the user chose it. */
export function requireSpatialFeature(
  role: 'student' | 'teacher',
  network: Network,
  shapes: Record<string, readonly number[]>,
  feature: string,
  pointer: string,
): readonly number[] {
  const shape = shapes[feature];
  const spatial = Object.keys(shapes).filter((k) => shapes[k]!.length === 3);
  if (!shape) {
    throw new KdInputError(
      `${pointer}: the ${role} backbone (${network.spec.name}) gives no feature "${feature}"; its stage features are ${spatial.join(', ') || '(none)'}`,
    );
  }
  if (shape.length !== 3) {
    throw new KdInputError(`${pointer}: the ${role} feature "${feature}" has shape ${JSON.stringify(shape)}; expected a spatial [H, W, C] feature`);
  }
  return shape;
}

/**
 * Pairs student and teacher stages. `stages` empty: every stage name the two networks share, in the student's order.
 * Otherwise each listed student stage, paired with `teacherStages[i]` or, when that list is empty, the teacher stage
 * of the same name. Errors name the option's JSON pointer (`pointerBase` + `/stages/i`).
 */
export function pairStages(
  student: Network,
  teacher: Network,
  stages: readonly string[],
  teacherStages: readonly string[],
  pointerBase = '/distiller',
): { student: string; teacher: string }[] {
  const s = stageNames(student);
  const t = stageNames(teacher);
  if (stages.length === 0) {
    if (teacherStages.length > 0)
      throw new KdInputError(`${pointerBase}/teacherStages: set only together with ${pointerBase}/stages (the student stages they pair with)`);
    const shared = s.filter((n) => t.includes(n));
    if (shared.length === 0)
      throw new KdInputError(
        `${pointerBase}/stages: the student (${s.join(', ')}) and teacher (${t.join(', ')}) share no stage name; list the pairs with stages and teacherStages`,
      );
    return shared.map((n) => ({ student: n, teacher: n }));
  }
  if (teacherStages.length > 0 && teacherStages.length !== stages.length)
    throw new KdInputError(
      `${pointerBase}/teacherStages: got ${teacherStages.length} stages; expected ${stages.length}, one per entry of ${pointerBase}/stages`,
    );
  return stages.map((name, i) => {
    if (!s.includes(name))
      throw new KdInputError(`${pointerBase}/stages/${i}: "${name}" is not a stage of the student (${student.spec.name}); expected one of ${s.join(', ')}`);
    const partner = teacherStages.length > 0 ? teacherStages[i]! : name;
    if (!t.includes(partner)) {
      const where = teacherStages.length > 0 ? `${pointerBase}/teacherStages/${i}` : `${pointerBase}/stages/${i}`;
      throw new KdInputError(
        `${where}: "${partner}" is not a stage of the teacher (${teacher.spec.name}); expected one of ${t.join(', ')}` +
          (teacherStages.length > 0 ? '' : ` (set ${pointerBase}/teacherStages to pair it with another)`),
      );
    }
    return { student: name, teacher: partner };
  });
}
