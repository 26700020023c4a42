import { expectExactResume, sourceRuntime, TEACHER_BACKBONE, tempDir, tinyConfig, writeConfig } from '@kd/testing';

const size = { trainLimit: 256, testLimit: 64, epochs: 2, seed: 5 };

/** A ReviewKD run stopped after epoch 1 and resumed ends bit for bit where the straight run ends, ABF modules included. */
describe('reviewkd resumes exactly', () => {
  const work = tempDir('kd-distiller-reviewkd-resume-');

  beforeAll(async () => {
    const training = { ...(tinyConfig('', {}, size).training as object), epochs: 1 };
    await sourceRuntime().run(
      writeConfig(work, 'teacher.json', tinyConfig('teacher', { student: { backbone: TEACHER_BACKBONE }, training }, size)),
    );
  });

  it('straight and resumed runs end with identical weights, ABF parameters and optimiser state', async () => {
    const { tensors } = await expectExactResume({
      work,
      // warm-up over both epochs: the resumed epoch must also take the right factor
      config: (dir) =>
        tinyConfig(
          dir,
          { teacher: { backbone: TEACHER_BACKBONE, weights: 'teacher' }, distiller: { name: 'reviewkd', warmupEpochs: 2 } },
          size,
        ),
    });
    for (const name of ['abf0.conv1', 'abf0.attention', 'abf2.conv2', 'abf2.gamma2'])
      expect(tensors.has(`reviewkd::${name}`), name).toBe(true);
  });
});
