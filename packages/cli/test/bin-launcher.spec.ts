import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, tempDir } from '@kd/testing';

const pkgDir = join(repoRoot, 'packages/cli');
const launcher = join(pkgDir, 'bin/kd.js');

/** The launcher copied into a package folder of its own, with or without a built CLI beside it. */
function installLauncher(built: string | undefined): string {
  const dir = tempDir('kd-launcher-');
  mkdirSync(join(dir, 'bin'));
  copyFileSync(launcher, join(dir, 'bin/kd.js'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  if (built !== undefined) {
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist/bin.js'), built);
  }
  return join(dir, 'bin/kd.js');
}

describe('the kd binary npm links', () => {
  it('is a file that exists before any build (npm links no bin whose file is missing), and is published', () => {
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { bin: Record<string, string>; files: string[] };
    expect(pkg.bin).toEqual({ kd: './bin/kd.js' });
    expect(pkg.files).toContain('bin');
    expect(readFileSync(launcher, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('node_modules/.bin/kd of the workspace is this package, so npx kd runs the workspace CLI', () => {
    // An install made before `bin` moved to the launcher may still link the build itself: the same CLI.
    const linked = realpathSync(join(repoRoot, 'node_modules/.bin/kd'));
    expect([realpathSync(launcher), join(realpathSync(pkgDir), 'dist/bin.js')]).toContain(linked);
  });

  it('runs the built CLI with the arguments given', () => {
    const bin = installLauncher('process.stdout.write(JSON.stringify(process.argv.slice(2)));\n');
    const r = spawnSync(process.execPath, [bin, 'plugins', '--json'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(['plugins', '--json']);
  });

  it('says how to build the CLI when it is not built yet (exit 1)', () => {
    const r = spawnSync(process.execPath, [installLauncher(undefined), '--version'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('kd: the command line is not built yet');
    expect(r.stderr).toContain('npx nx build cli');
    expect(r.stdout).toBe('');
  });
});
