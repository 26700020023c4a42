import { expectExactResume, sourceRuntime, TEACHER_BACKBONE, tempDir, tinyConfig, writeConfig } from '@kd/testing';

const size = { trainLimit: 128, testLimit: 64, epochs: 2, seed: 5 };

/** A run stopped after its first epoch and resumed ends bit for bit where an uninterrupted run ends. */
describe('dist: interrupted and resumed run', () => {
  const work = tempDir('kd-dist-resume-');

  beforeAll(async () => {
    await sourceRuntime().run(
      writeConfig(work, 'teacher.json', tinyConfig('teacher', { student: { backbone: TEACHER_BACKBONE } }, { ...size, epochs: 1 })),
    );
  }, 120_000);

  it('ends with the same student weights, optimiser slots and BN statistics as a straight run', async () => {
    const { tensors } = await expectExactResume({
      work,
      config: (dir) => tinyConfig(dir, { teacher: { backbone: TEACHER_BACKBONE, weights: 'teacher' }, distiller: { name: 'dist' } }, size),
    });
    const names = [...tensors.keys()];
    expect(names.some((n) => n.startsWith('student::'))).toBe(true);
    expect(names.some((n) => n.startsWith('optimizer::'))).toBe(true);
    expect(names.some((n) => /moving|running/i.test(n))).toBe(true);
    // DIST has no module of its own: nothing but the student and its optimiser is checkpointed
    expect(names.every((n) => n.startsWith('student::') || n.startsWith('optimizer::'))).toBe(true);
  }, 300_000);
});
