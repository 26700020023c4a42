import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkpointTensors, latestCheckpoint, sourceRuntime, TEACHER_BACKBONE, tempDir, tinyConfig, writeConfig } from '@kd/testing';

interface CacheStats {
  hits: number;
  misses: number;
  written: number;
  rejected: number;
}

/** The teacher-output cache as a benchmark or sweep uses it: several runs over one seed share one cache directory. */
describe('teacher.cache: runs reuse the frozen teacher’s outputs, bit-identical to running it', () => {
  const work = tempDir('kd-teacher-cache-');
  const size = { trainLimit: 256, testLimit: 64 };
  const student = (out: string, distiller: Record<string, unknown>, cache?: Record<string, unknown>) =>
    tinyConfig(
      out,
      { teacher: { backbone: TEACHER_BACKBONE, weights: 'teacher', ...(cache ? { cache } : {}) }, distiller },
      { ...size, epochs: 2 },
    );
  const summary = (dir: string) => JSON.parse(readFileSync(join(work, dir, 'summary.json'), 'utf8')) as { teacherCache?: CacheStats };
  const weights = (dir: string) => checkpointTensors(latestCheckpoint(join(work, dir)));
  const expectSameBits = (a: string, b: string) => {
    const [x, y] = [weights(a), weights(b)];
    expect([...y.keys()]).toEqual([...x.keys()]);
    for (const [name, v] of x) expect(Buffer.compare(Buffer.from(y.get(name)!.buffer), Buffer.from(v.buffer)), name).toBe(0);
  };

  beforeAll(async () => {
    const teacher = tinyConfig('teacher', { student: { backbone: TEACHER_BACKBONE } }, { ...size, epochs: 1 });
    await sourceRuntime().run(writeConfig(work, 'teacher.json', teacher));
  }, 120_000);

  it('a cold cache computes and stores every step; a second method on the same seed hits every step; weights equal the uncached runs', async () => {
    const kd = { name: 'kd', temperature: 4 };
    const dkd = { name: 'dkd', warmupEpochs: 1 };
    await sourceRuntime().run(writeConfig(work, 'kd.json', student('kd', kd)));
    await sourceRuntime().run(writeConfig(work, 'kd-cached.json', student('kd-cached', kd, { dir: 'cache' })));
    await sourceRuntime().run(writeConfig(work, 'dkd.json', student('dkd', dkd)));
    await sourceRuntime().run(writeConfig(work, 'dkd-cached.json', student('dkd-cached', dkd, { dir: 'cache' })));
    // 256 images / 32 = 8 steps an epoch, 2 epochs.
    expect(summary('kd-cached').teacherCache).toMatchObject({ hits: 0, misses: 16, written: 16, rejected: 0 });
    expect(summary('dkd-cached').teacherCache).toMatchObject({ hits: 16, misses: 0, written: 0, rejected: 0 });
    expect(summary('kd').teacherCache).toBeUndefined();
    expectSameBits('kd', 'kd-cached');
    expectSameBits('dkd', 'dkd-cached');
  }, 300_000);

  it('another seed draws other batches: it misses rather than reuse outputs of different inputs', async () => {
    const config = student('kd-seed', { name: 'kd' }, { dir: 'cache' });
    (config['training'] as Record<string, unknown>)['seed'] = 8;
    await sourceRuntime().run(writeConfig(work, 'kd-seed.json', config));
    expect(summary('kd-seed').teacherCache).toMatchObject({ hits: 0, misses: 16 });
  }, 120_000);

  it('a feature distiller on a logits-only cache stops with the setting to change', async () => {
    const config = student('at-cached', { name: 'at' }, { dir: 'cache' });
    await expect(sourceRuntime().run(writeConfig(work, 'at-cached.json', config))).rejects.toThrow(/teacher\.cache\.features/);
  }, 120_000);
});
