import { rmSync } from 'node:fs';
import { expectExactResume } from './exact-resume.js';
import { tempDir } from './temp-dir.js';
import { tinyConfig } from './tiny-config.js';

describe('expectExactResume', () => {
  const work = tempDir('kd-exact-resume-');
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('finds a scratch run stopped after epoch 1 and resumed bit-identical, optimiser slots and BN statistics included', async () => {
    const { tensors } = await expectExactResume({
      work,
      config: (dir) => tinyConfig(dir, {}, { trainLimit: 128, testLimit: 64, epochs: 2 }),
    });
    const names = [...tensors.keys()];
    expect(names.some((n) => n.startsWith('student::'))).toBe(true);
    expect(names.some((n) => n.startsWith('optimizer::'))).toBe(true);
    expect(names.some((n) => /moving|running/i.test(n))).toBe(true);
  }, 120_000);
});
