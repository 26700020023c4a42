import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';

/** The kd workspace root (this file is tools/pack-test/src/scratch-workspace.ts). */
export const workspaceRoot = resolve(import.meta.dirname, '..', '..', '..');

const ROOT_FILES = ['package.json', 'nx.json', 'tsconfig.base.json', 'tsconfig.json', 'vitest.shared.mts'];
/** Build outputs of other tools and runs are not needed; dist is kept so copied packages count as built. */
const SKIPPED = new Set(['node_modules', 'out-tsc', 'bench-results', '.nx', 'test-output', 'coverage']);

export interface ScratchWorkspace {
  readonly root: string;
  /** Links node_modules/@kd/<dir> to packages/<dir> (what npm install does for a workspace package). */
  link(packageDir: string): void;
}

/**
 * A copy of the workspace with only the named packages and tools, sharing the real node_modules' third-party
 * packages through symlinks while `@kd/*` point into the copy: building and testing there never writes into the
 * real checkout.
 */
export function createScratchWorkspace(
  packages: readonly string[],
  tools: readonly string[] = [],
  parent = tmpdir(),
  /** Further files or folders to copy, relative to the root (e.g. docs/config, which the docs staleness test reads). */
  paths: readonly string[] = [],
): ScratchWorkspace {
  const root = mkdtempSync(join(parent, 'kd-scratch-'));
  for (const f of ROOT_FILES) cpSync(join(workspaceRoot, f), join(root, f), { preserveTimestamps: true });
  const copy = (rel: string) =>
    cpSync(join(workspaceRoot, rel), join(root, rel), {
      recursive: true,
      preserveTimestamps: true,
      filter: (src) => !SKIPPED.has(basename(src)),
    });
  for (const p of packages) {
    copy(join('packages', p));
    // A package's own node_modules (a dependency version the root does not hoist) is shared like the root's.
    const nested = join(workspaceRoot, 'packages', p, 'node_modules');
    if (existsSync(nested)) symlinkSync(nested, join(root, 'packages', p, 'node_modules'), 'dir');
  }
  for (const t of tools) copy(join('tools', t));
  for (const rel of paths) copy(rel);
  const modules = join(root, 'node_modules');
  mkdirSync(join(modules, '@kd'), { recursive: true });
  for (const entry of readdirSync(join(workspaceRoot, 'node_modules'))) {
    if (entry === '@kd' || entry === '.vite' || entry === '.cache') continue;
    symlinkSync(join(workspaceRoot, 'node_modules', entry), join(modules, entry));
  }
  const link = (dir: string) => {
    const target = join(root, 'packages', dir);
    const at = join(modules, '@kd', dir);
    if (existsSync(target) && !existsSync(at)) symlinkSync(target, at, 'dir');
  };
  for (const p of packages) link(p);
  return { root, link };
}

/** Every package directory under packages/ (those with a package.json). */
export function allPackages(packagesDir = join(workspaceRoot, 'packages')): string[] {
  return readdirSync(packagesDir)
    .filter((d) => existsSync(join(packagesDir, d, 'package.json')))
    .sort();
}

/**
 * The named packages plus every workspace package they depend on (dependencies and required peers), by directory
 * name: what an install of them needs (core needs @kd/tfjs-kernels).
 */
export function workspaceClosure(
  roots: readonly string[],
  packagesDir = join(workspaceRoot, 'packages'),
  /** Also follow devDependencies: what building and testing the packages in a copy needs (project references). */
  options: { readonly dev?: boolean } = {},
): string[] {
  const byName = new Map<string, string>();
  for (const d of readdirSync(packagesDir)) {
    const file = join(packagesDir, d, 'package.json');
    if (existsSync(file)) byName.set((JSON.parse(readFileSync(file, 'utf8')) as { name: string }).name, d);
  }
  const seen = new Set<string>();
  const visit = (dir: string) => {
    if (seen.has(dir)) return;
    seen.add(dir);
    const pkg = JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
      peerDependenciesMeta?: Record<string, { optional?: boolean }>;
    };
    const names = [
      ...Object.keys(pkg.dependencies ?? {}),
      ...(options.dev ? Object.keys(pkg.devDependencies ?? {}) : []),
      ...Object.keys(pkg.peerDependencies ?? {}).filter((n) => !pkg.peerDependenciesMeta?.[n]?.optional),
    ];
    for (const n of names) {
      const d = byName.get(n);
      if (d) visit(d);
    }
  };
  for (const r of roots) visit(r);
  return [...seen];
}
