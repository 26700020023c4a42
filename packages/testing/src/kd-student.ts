import { TEACHER_BACKBONE } from './tiny-config.js';

/** Config overrides for a KD student of the teacher a test trained into run directory `teacher`, plus `more`. */
export function kdStudentOf(more: Record<string, unknown> = {}): Record<string, unknown> {
  return { teacher: { backbone: TEACHER_BACKBONE, weights: 'teacher' }, distiller: { name: 'kd' }, ...more };
}
