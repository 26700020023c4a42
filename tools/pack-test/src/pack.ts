import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PackedFile {
  readonly path: string;
  readonly size: number;
}

export interface PackageManifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly main?: string;
  readonly types?: string;
  readonly bin?: string | Readonly<Record<string, string>>;
  readonly exports?: unknown;
  readonly files?: readonly string[];
}

/** Every directory under `packagesDir` with a package.json, so packages added later are checked too. */
export function packageDirs(packagesDir: string): string[] {
  return readdirSync(packagesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(packagesDir, d.name, 'package.json')))
    .map((d) => join(packagesDir, d.name))
    .sort();
}

export function readManifest(dir: string): PackageManifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageManifest;
}

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The files `npm pack` would put in the tarball (no tarball is written, no lifecycle script runs). */
export function packDryRun(dir: string): PackedFile[] {
  const out = execFileSync(NPM, ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [entry] = JSON.parse(out) as { files: PackedFile[] }[];
  return entry!.files.map((f) => ({ path: f.path, size: f.size }));
}

/** Writes the tarball into `destination` and returns its absolute path. */
export function pack(dir: string, destination: string): string {
  const out = execFileSync(NPM, ['pack', '--json', '--ignore-scripts', '--pack-destination', destination], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [entry] = JSON.parse(out) as { filename: string }[];
  return join(destination, entry!.filename);
}

/** What never belongs in a published tarball: tests, fixtures, TypeScript sources and build bookkeeping. */
export const FORBIDDEN: readonly { readonly pattern: RegExp; readonly why: string }[] = [
  { pattern: /(^|\/)[^/]*\.(spec|test)\.[cm]?[jt]sx?(\.map)?$/, why: 'a test file' },
  { pattern: /\.(spec|test)\.d\.[cm]?ts(\.map)?$/, why: 'a test declaration' },
  { pattern: /(^|\/)(test|tests|__tests__|spec)\//, why: 'inside a test directory' },
  { pattern: /(^|\/)(fixtures?|__fixtures__|__snapshots__)\//, why: 'a test fixture' },
  { pattern: /(^|\/)(bench|bench-results|runs|out-tsc|coverage|node_modules)\//, why: 'benchmark, run or build output' },
  { pattern: /\.tsbuildinfo$/, why: 'TypeScript build info' },
  {
    pattern: /(^|\/)(tsconfig[^/]*\.json|vitest\.config\.[cm]?[jt]s|vite\.config\.[cm]?[jt]s|project\.json)$/,
    why: 'build or test configuration',
  },
  { pattern: /(?<!\.d)\.[cm]?tsx?$/, why: 'a TypeScript source (only .js and .d.ts are shipped)' },
  { pattern: /\.py$/, why: 'a fixture script' },
];

/** Paths a package's own manifest says it serves: main, types, bin, and every non-source `exports` target. */
export function requiredFiles(manifest: PackageManifest): string[] {
  const required = new Set(['package.json', 'README.md']);
  const add = (p: unknown) => {
    if (typeof p === 'string' && !p.includes('*')) required.add(p.replace(/^\.\//, ''));
  };
  add(manifest.main ?? 'dist/index.js');
  add(manifest.types);
  if (typeof manifest.bin === 'string') add(manifest.bin);
  else for (const b of Object.values(manifest.bin ?? {})) add(b);
  const walk = (node: unknown, condition?: string) => {
    // `@kd/source` points workspace tools at src/: it is never resolved from an installed package.
    if (condition === '@kd/source') return;
    if (typeof node === 'string') add(node);
    else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) walk(v, k);
  };
  walk(manifest.exports);
  return [...required].sort();
}

/** Problems with a tarball's file list: forbidden files (and why) and required files that are missing. */
export function tarballProblems(files: readonly PackedFile[], manifest: PackageManifest): string[] {
  const problems: string[] = [];
  const paths = new Set(files.map((f) => f.path));
  for (const f of files) {
    const hit = FORBIDDEN.find((r) => r.pattern.test(f.path));
    if (hit) problems.push(`${f.path}: ${hit.why}`);
  }
  for (const r of requiredFiles(manifest)) if (!paths.has(r)) problems.push(`${r}: missing (required by package.json or by convention)`);
  return problems;
}
