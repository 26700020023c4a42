import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sourceImporter, tempDir, tinyConfig, writeConfig } from '@kd/testing';
import { main } from '../src/main.js';
import { captureIo } from './helpers.js';

describe('kd run / validate / plan --set path=value', () => {
  const work = tempDir('kd-set-');
  const file = writeConfig(work, 'base.json', tinyConfig('base', {}, { epochs: 1, trainLimit: 128 }));

  it('run: the overrides are validated, applied (config.json holds them) and recorded in provenance.json', async () => {
    const io = captureIo();
    const code = await main(
      ['run', file, '--set', 'training.optimizer.lr=0.02', '--set', 'training.seed=11', '--set', 'output.dir=with-set'],
      io,
      { importer: sourceImporter },
    );
    expect(code, io.stderr).toBe(0);
    const config = JSON.parse(readFileSync(join(work, 'with-set', 'config.json'), 'utf8'));
    expect(config.training.optimizer.lr).toBe(0.02);
    expect(config.training.seed).toBe(11);
    const prov = JSON.parse(readFileSync(join(work, 'with-set', 'provenance.json'), 'utf8'));
    expect(prov.overrides).toEqual(['training.optimizer.lr=0.02', 'training.seed=11', 'output.dir=with-set']);
    expect(prov.seed).toBe(11);
    // The file itself is unchanged.
    expect(JSON.parse(readFileSync(file, 'utf8')).training.seed).toBe(7);
  });

  it('a wrong value is reported at its pointer with exit 2, before anything is written', async () => {
    const io = captureIo();
    expect(await main(['validate', file, '--set', 'training.optimizer.lr=-1'], io, { importer: sourceImporter })).toBe(2);
    expect(io.stderr).toMatch(/\/training\/optimizer\/lr: .*-1/);
    const typo = captureIo();
    expect(await main(['validate', file, '--set', 'training.epoch=3'], typo, { importer: sourceImporter })).toBe(2);
    expect(typo.stderr).toContain('did you mean "epochs"');
  });

  it('can pick another plugin: --set distiller.name=… loads it like a slot in the file', async () => {
    const io = captureIo();
    expect(await main(['validate', '--schema-only', file, '--set', 'distiller.name=kd'], io, { importer: sourceImporter })).toBe(2);
    // KD needs a teacher: the plugin was loaded and its rule applied.
    expect(io.stderr).toContain('/teacher: the "kd" distiller needs a teacher');
  });

  it('plan takes --set; --resume and other commands refuse it', async () => {
    const plan = captureIo();
    expect(
      await main(['plan', file, '--json', '--set', 'student.backbone.channels=[2,4]'], plan, { importer: sourceImporter }),
      plan.stderr,
    ).toBe(0);
    const small = JSON.parse(plan.stdout).student.params;
    const base = captureIo();
    expect(await main(['plan', file, '--json'], base, { importer: sourceImporter })).toBe(0);
    expect(small).toBeLessThan(JSON.parse(base.stdout).student.params);
    const resume = captureIo();
    expect(await main(['run', '--resume', join(work, 'base'), '--set', 'training.seed=1'], resume)).toBe(2);
    expect(resume.stderr).toContain('a resumed run keeps the config it recorded');
    const schema = captureIo();
    expect(await main(['schema', '--set', 'a=1'], schema)).toBe(2);
  });
});
