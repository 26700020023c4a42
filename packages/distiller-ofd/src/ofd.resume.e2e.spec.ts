import { rmSync } from 'node:fs';
import { expectExactResume, sourceRuntime, TEACHER_BACKBONE, tempDir, tinyConfig, writeConfig } from '@kd/testing';

const SIZE = { trainLimit: 128, testLimit: 64, epochs: 2 };

describe('ofd: a run stopped after epoch 1 and resumed', () => {
  const work = tempDir('kd-ofd-resume-');
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('ends bit-identical to an uninterrupted run, the connectors and their optimiser slots included', async () => {
    const teacher = tinyConfig('teacher', { student: { backbone: TEACHER_BACKBONE } }, { ...SIZE, epochs: 1 });
    await sourceRuntime().run(writeConfig(work, 'teacher.json', teacher));
    const { tensors } = await expectExactResume({
      work,
      config: (dir) => tinyConfig(dir, { teacher: { backbone: TEACHER_BACKBONE, weights: 'teacher' }, distiller: { name: 'ofd' } }, SIZE),
    });
    const names = [...tensors.keys()];
    expect(names).toContain('connector::stage1/kernel');
    expect(names).toContain('connector::stage2/beta');
    expect(names.some((n) => n.startsWith('optimizer::') && n.includes('connector'))).toBe(true);
  }, 180_000);
});
