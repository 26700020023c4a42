import { KdInputError, type Network } from '@kd/core';
import type { FeatureTap } from './lakd.options.js';

/** One local module: consecutive student stages, the teacher feature it imitates, and what it is compared on. */
export interface LocalModule {
  readonly index: number;
  /** Indices into `student.stages`, consecutive. */
  readonly stages: readonly number[];
  /** Student feature compared with the teacher (the last stage's output or its pre-activation tap). */
  readonly studentFeature: string;
  readonly teacherFeature: string;
  /** Whether the module ends with the classifier head. */
  readonly last: boolean;
}

const POINTER = '/distiller';

/** Groups the student's stages into local modules and pairs each with a teacher stage (§5.2 default: one per stage). */
export function planModules(
  student: Network,
  teacher: Network,
  groups: readonly (readonly string[])[] | null,
  teacherStages: readonly string[] | null,
  feature: FeatureTap,
): LocalModule[] {
  const names = student.stages.map((s) => s.name);
  const grouped = groups ?? names.map((n) => [n]);
  const flat = grouped.flat();
  if (flat.length !== names.length || flat.some((n, i) => n !== names[i])) {
    throw new KdInputError(
      `${POINTER}/modules: got ${JSON.stringify(groups)}; expected consecutive groups that list every student stage once, in order: ${JSON.stringify(names)}`,
    );
  }
  if (!teacherStages && teacher.stages.length !== names.length) {
    throw new KdInputError(
      `${POINTER}/teacherStages: the student has ${names.length} stages (${names.join(', ')}) and the teacher ${teacher.stages.length} (${teacher.stages.map((s) => s.name).join(', ')}); ` +
        `name the teacher stage each of the ${grouped.length} modules imitates`,
    );
  }
  if (teacherStages && teacherStages.length !== grouped.length) {
    throw new KdInputError(`${POINTER}/teacherStages: got ${teacherStages.length} names; expected one per module (${grouped.length})`);
  }
  const teacherNames = teacher.stages.map((s) => s.name);
  let next = 0;
  return grouped.map((group, index) => {
    const stages = group.map(() => next++);
    const lastStage = stages[stages.length - 1]!;
    const teacherStage = teacherStages ? teacherStages[index]! : teacherNames[lastStage]!;
    if (!teacherNames.includes(teacherStage)) {
      throw new KdInputError(
        `${POINTER}/teacherStages/${index}: got ${JSON.stringify(teacherStage)}; expected one of ${JSON.stringify(teacherNames)}`,
      );
    }
    const tap = (stage: string) => (feature === 'preact' ? `${stage}_preact` : stage);
    return {
      index,
      stages,
      studentFeature: tap(names[lastStage]!),
      teacherFeature: tap(teacherStage),
      last: index === grouped.length - 1,
    };
  });
}
