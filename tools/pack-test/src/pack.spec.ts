import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { FORBIDDEN, packDryRun, packageDirs, readManifest, requiredFiles, tarballProblems } from './pack.js';
import { workspaceRoot } from './scratch-workspace.js';

const dirs = packageDirs(join(workspaceRoot, 'packages'));

describe('tarball rules', () => {
  it.each([
    ['dist/kd.loss.spec.js', true],
    ['dist/kd.loss.spec.d.ts', true],
    ['dist/kd.e2e.spec.js', true],
    ['test/fixtures/kd-fixtures.json', true],
    ['test/fixtures/make_kd_fixtures.py', true],
    ['src/index.ts', true],
    ['dist/tsconfig.lib.tsbuildinfo', true],
    ['tsconfig.json', true],
    ['bench/kd.json', true],
    ['dist/index.js', false],
    ['dist/index.d.ts', false],
    ['dist/index.d.ts.map', false],
    ['data/fashion-mnist/train-images-idx3-ubyte.gz', false],
    ['README.md', false],
  ])('%s forbidden: %s', (path, forbidden) => {
    expect(FORBIDDEN.some((r) => r.pattern.test(path))).toBe(forbidden);
  });

  it('requires main, types, bin and export targets, but not the workspace-only @kd/source condition', () => {
    expect(
      requiredFiles({
        name: '@kd/x',
        version: '0.1.0',
        main: './dist/index.js',
        types: './dist/index.d.ts',
        bin: { kd: './dist/bin.js' },
        exports: {
          './package.json': './package.json',
          '.': { '@kd/source': './src/index.ts', types: './dist/index.d.ts', import: './dist/index.js' },
        },
      }),
    ).toEqual(['README.md', 'dist/bin.js', 'dist/index.d.ts', 'dist/index.js', 'package.json']);
    expect(
      tarballProblems(
        [
          { path: 'package.json', size: 1 },
          { path: 'dist/index.js', size: 1 },
          { path: 'src/a.spec.ts', size: 1 },
        ],
        { name: 'x', version: '1', main: 'dist/index.js' },
      ),
    ).toEqual(['src/a.spec.ts: a test file', 'README.md: missing (required by package.json or by convention)']);
  });
});

describe('every package under packages/ packs what it needs and nothing else', () => {
  beforeAll(() => {
    // Packages not built yet (new ones) are built, so their tarball lists dist/; built ones are left as they are.
    const unbuilt = dirs.filter(
      (d) => !readManifest(d).private && !existsSync(join(d, 'dist', 'index.js')) && existsSync(join(d, 'tsconfig.lib.json')),
    );
    if (unbuilt.length) {
      try {
        execFileSync(
          process.execPath,
          [join(workspaceRoot, 'node_modules/typescript/bin/tsc'), '--build', ...unbuilt.map((d) => join(d, 'tsconfig.lib.json'))],
          {
            cwd: workspaceRoot,
            stdio: 'pipe',
          },
        );
      } catch {
        /* a package that does not compile is reported by its own case below (dist/index.js missing) */
      }
    }
  }, 300_000);

  it.each(dirs.map((d) => [basename(d), d]))('%s', (_name, dir) => {
    const manifest = readManifest(dir);
    if (manifest.private) return;
    expect(manifest.files, `${dir}/package.json: expected a "files" allow-list`).toBeInstanceOf(Array);
    expect(tarballProblems(packDryRun(dir), manifest)).toEqual([]);
  });
});
