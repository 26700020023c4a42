import { sourceRuntime } from './repo.js';
import { TEACHER_BACKBONE, tinyConfig } from './tiny-config.js';
import { writeConfig } from './write-config.js';

/** Trains the tiny teacher an end-to-end test distils from, in `work`; returns its run directory name. */
export async function trainTeacher(work: string): Promise<string> {
  const training = { epochs: 8, batchSize: 32, seed: 7, optimizer: { type: 'sgd', lr: 0.1, momentum: 0.9 }, schedule: { type: 'cosine' } };
  const file = writeConfig(work, 'teacher.json', tinyConfig('teacher', { student: { backbone: TEACHER_BACKBONE }, training }));
  await sourceRuntime().run(file);
  return 'teacher';
}
