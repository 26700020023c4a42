import { expectExactResume, sourceRuntime, TEACHER_BACKBONE, tempDir, tinyConfig, writeConfig } from '@kd/testing';

const size = { trainLimit: 256, testLimit: 64, epochs: 2, seed: 5 };

/** A run stopped after its first epoch and resumed ends bit-identical to one that ran straight through. */
describe('nst: interrupted and resumed run', () => {
  const work = tempDir('kd-nst-resume-');

  beforeAll(async () => {
    const teacher = tinyConfig('teacher', { student: { backbone: TEACHER_BACKBONE } }, { ...size, epochs: 1 });
    await sourceRuntime().run(writeConfig(work, 'teacher.json', teacher));
  });

  it('ends with the same weights and optimiser state, bit for bit', async () => {
    const { tensors } = await expectExactResume({
      work,
      config: (dir) => tinyConfig(dir, { teacher: { backbone: TEACHER_BACKBONE, weights: 'teacher' }, distiller: { name: 'nst' } }, size),
    });
    // NST has no module of its own: the checkpoint is the student and its optimiser slots.
    expect([...tensors.keys()].some((k) => k.includes('conv') || k.includes('kernel'))).toBe(true);
  });
});
