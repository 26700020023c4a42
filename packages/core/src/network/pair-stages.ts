import { KdInputError } from '../errors/errors.js';
import type { Network } from '../contracts/network.js';

export interface StagePair {
  /** Feature names in `NetworkOutput.features`. */
  readonly student: string;
  readonly teacher: string;
}

function stageNames(network: Network): string[] {
  return network.stages.map((s) => s.name);
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
      throw new KdInputError(
        `${pointerBase}/teacherStages: set only together with ${pointerBase}/stages (the student stages they pair with)`,
      );
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
      throw new KdInputError(
        `${pointerBase}/stages/${i}: "${name}" is not a stage of the student (${student.spec.name}); expected one of ${s.join(', ')}`,
      );
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
