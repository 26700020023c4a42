import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sourceRuntime, TEACHER_BACKBONE, tempDir, tinyConfig, writeConfig } from '@kd/testing';
import { aektPlugin } from '../src/index.js';

/** AEKT is a reconstruction: every run of it says so in provenance.json, which reports and bench pages label from. */
describe('aekt runs record that the method is a reconstruction', () => {
  it('provenance.json names the distiller and what is reconstructed; a run without it has no such entry', async () => {
    const work = tempDir('kd-aekt-recon-');
    const size = { trainLimit: 64, testLimit: 32, epochs: 1 };
    await sourceRuntime().run(writeConfig(work, 'teacher.json', tinyConfig('teacher', { student: { backbone: TEACHER_BACKBONE } }, size)));
    const teacherRun = { teacher: { backbone: TEACHER_BACKBONE, weights: 'teacher' }, distiller: { name: 'aekt' } };
    await sourceRuntime().run(writeConfig(work, 'aekt.json', tinyConfig('aekt', teacherRun, size)));
    const provenance = (dir: string) => JSON.parse(readFileSync(join(work, dir, 'provenance.json'), 'utf8')) as Record<string, unknown>;
    expect(aektPlugin.manifest.reconstruction).toMatch(/reconstructed/);
    expect(provenance('aekt')['reconstruction']).toEqual({ distiller: 'aekt', what: aektPlugin.manifest.reconstruction });
    expect(provenance('teacher')).not.toHaveProperty('reconstruction');
  }, 120_000);
});
