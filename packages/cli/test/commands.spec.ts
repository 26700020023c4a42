import { main } from '../src/main.js';
import { sourceImporter, tempDir, tinyConfig, writeConfig } from '@kd/testing';
import { captureIo } from './helpers.js';

describe('inspection commands', () => {
  it('kd validate reads the data as kd run would; --schema-only checks the config without it', async () => {
    const work = tempDir();
    const file = writeConfig(
      work,
      'cifar.json',
      tinyConfig('out', { dataset: { name: 'cifar', variant: 'cifar10', dir: 'not-downloaded-yet' } }),
    );
    const full = captureIo();
    expect(await main(['validate', file], full, { importer: sourceImporter })).toBe(2);
    expect(full.stderr).toContain('not-downloaded-yet');
    const schemaOnly = captureIo();
    expect(await main(['validate', '--schema-only', file], schemaOnly, { importer: sourceImporter }), schemaOnly.stderr).toBe(0);
    expect(schemaOnly.stdout).toContain('valid (dataset cifar');
  });

  it('kd plugins lists the workspace plugins with versions and options', async () => {
    const io = captureIo();
    expect(await main(['plugins', '--json'], io, { importer: sourceImporter })).toBe(0);
    const list = JSON.parse(io.stdout) as { kind: string; name: string; package: string; version: string; options: { name: string }[] }[];
    const names = list.map((p) => `${p.kind}/${p.name}`);
    expect(names).toEqual(expect.arrayContaining(['dataset/idx', 'backbone/cnn', 'distiller/kd', 'evaluator/accuracy']));
    const kd = list.find((p) => p.name === 'kd')!;
    expect(kd.package).toBe('@kd/distiller-kd');
    expect(kd.options.map((o) => o.name)).toContain('temperature');
  });

  it('kd schema composes every plugin into one self-contained schema', async () => {
    const io = captureIo();
    expect(await main(['schema'], io, { importer: sourceImporter })).toBe(0);
    const schema = JSON.parse(io.stdout);
    expect(schema.$defs['distiller-kd'].properties.temperature.default).toBe(4);
    expect(schema.properties.distiller.oneOf).toContainEqual({ $ref: '#/$defs/distiller-kd' });
    expect(JSON.stringify(schema)).not.toContain('"kd:');
  });

  it('kd plan builds both networks without training and reports shapes and mismatches', async () => {
    const work = tempDir();
    // The teacher's weights must exist: plan loads them, exactly as a run would.
    const teacherFile = writeConfig(
      work,
      't.json',
      tinyConfig('teacher', { student: { backbone: { name: 'cnn', channels: [8, 16] } }, training: { epochs: 1, batchSize: 64 } }),
    );
    expect(await main(['run', teacherFile], captureIo(), { importer: sourceImporter })).toBe(0);
    const file = writeConfig(
      work,
      'kd.json',
      tinyConfig('kd', { teacher: { backbone: { name: 'cnn', channels: [8, 16] }, weights: 'teacher' }, distiller: { name: 'kd' } }),
    );
    const io = captureIo();
    expect(await main(['plan', file, '--json'], io, { importer: sourceImporter }), io.stderr).toBe(0);
    const plan = JSON.parse(io.stdout);
    expect(plan.student.features.stage1).toEqual([14, 14, 4]);
    expect(plan.teacher.features.stage2).toEqual([7, 7, 16]);
    expect(plan.student.features.logits).toEqual([10]);
    // 3·3·1·4 + 2·4 (BN) + 3·3·4·8 + 2·8 + 8·10 + 10
    expect(plan.student.params).toBe(36 + 8 + 288 + 16 + 80 + 10);
    // 2·(28·28·9·1·4) + 2·(14·14·9·4·8) + 2·8·10: convolutions at their input resolution, then the classifier.
    expect(plan.student.flops).toBe(56448 + 112896 + 160);
    expect(plan.mismatches.join('\n')).toContain('channels differ');
    expect(plan.memory.totalBytes).toBeGreaterThan(0);
    const text = captureIo();
    expect(await main(['plan', file], text, { importer: sourceImporter })).toBe(0);
    expect(text.stdout).toContain('trainable parameters');
  });
});

describe('the kd binary as a shell sees it', () => {
  it('kd --version names kd, core and Node', async () => {
    const io = captureIo();
    expect(await main(['--version'], io)).toBe(0);
    expect(io.stdout).toMatch(/^kd \d+\.\d+\.\d+ \(@kd\/core \d+\.\d+\.\d+, Node v\d+/);
  });

  it('kd schema | head: a closed pipe is not a failure (no EPIPE crash)', async () => {
    const { spawnSync } = await import('node:child_process');
    const { join } = await import('node:path');
    const { repoRoot } = await import('@kd/testing');
    const bin = join(repoRoot, 'packages/cli/src/bin.ts');
    const r = spawnSync(
      'bash',
      ['-c', `set -o pipefail; node --conditions=@kd/source --import @swc-node/register/esm-register ${bin} schema | head -c 10`],
      { cwd: repoRoot, encoding: 'utf8' },
    );
    expect(r.stdout).toHaveLength(10);
    expect(r.stderr).not.toMatch(/EPIPE|Error/);
    expect(r.status).toBe(0);
  });
});
