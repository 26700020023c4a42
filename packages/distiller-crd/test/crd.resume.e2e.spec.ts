import { expectExactResume, sourceRuntime, TEACHER_BACKBONE, tempDir, tinyConfig, writeConfig } from '@kd/testing';

const size = { trainLimit: 256, testLimit: 64, epochs: 2, seed: 5 };

/**
 * A CRD run stopped after epoch 1 and resumed ends bit for bit where the straight run ends: heads, both memory banks
 * and Z come back from the checkpoint, and the negatives of epoch 2 are drawn from a stream that depends only on
 * (seed, stage, epoch, step).
 */
describe('crd resumes exactly', () => {
  const work = tempDir('kd-distiller-crd-resume-');

  beforeAll(async () => {
    const training = { ...(tinyConfig('', {}, size).training as object), epochs: 1 };
    await sourceRuntime().run(
      writeConfig(work, 'teacher.json', tinyConfig('teacher', { student: { backbone: TEACHER_BACKBONE }, training }, size)),
    );
  });

  it('straight and resumed runs end with identical weights, banks, Z and optimiser state', async () => {
    const { tensors } = await expectExactResume({
      work,
      config: (dir) =>
        tinyConfig(dir, { teacher: { backbone: TEACHER_BACKBONE, weights: 'teacher' }, distiller: { name: 'crd', negatives: 32 } }, size),
    });
    for (const name of ['memoryStudent', 'memoryTeacher', 'normalizer', 'embedStudent.kernel', 'embedTeacher.bias'])
      expect(tensors.has(`crd::${name}`), name).toBe(true);
    expect(Array.from(tensors.get('crd::normalizer')!).every((z) => z > 0)).toBe(true);
  });
});
