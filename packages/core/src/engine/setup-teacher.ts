import type { DistillerSetup } from '../contracts/distiller.js';
import type { Network } from '../contracts/network.js';

/** The teacher network at setup, which the runtime always builds for a distiller that `usesTeacher`. */
export function setupTeacher(setup: DistillerSetup, method: string): Network {
  if (!setup.teacher) throw new Error(`${method} distiller: setup needs the teacher (usesTeacher is true)`);
  return setup.teacher;
}
