import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { compactJson } from './compact-json.js';

/** The repository root (this file is tools/configs/src/generated-files.ts). */
export const REPO_ROOT = resolve(import.meta.dirname, '../../..');

/** A file a generator owns: its repository-relative path and its whole content. */
export interface GeneratedFile {
  readonly path: string;
  readonly content: string;
}

/** A config file as the generators write it: compact JSON and a final newline. */
export const jsonFile = (path: string, value: unknown): GeneratedFile => ({ path, content: `${compactJson(value)}\n` });

/** The relative path from a generated file's directory to a repository path (configs name runs and the schema so). */
export function fromFile(file: string, to: string): string {
  return `${'../'.repeat(file.split('/').length - 1)}${to}`;
}

/** The generated files that are missing under `base` or differ from what the generator writes. */
export function staleFiles(files: readonly GeneratedFile[], base: string): string[] {
  return files.filter((f) => !existsSync(join(base, f.path)) || readFileSync(join(base, f.path), 'utf8') !== f.content).map((f) => f.path);
}

export interface Generator {
  /** The directory it owns, for messages (`configs/cifar100`). */
  readonly dir: string;
  /** What it is called in the stale message (`CIFAR-100 configs`). */
  readonly what: string;
  /** The command that regenerates the files. */
  readonly command: string;
  readonly files: () => readonly GeneratedFile[];
}

/**
 * A generator's command line: without arguments it rewrites the stale files (atomically, each through a temporary
 * sibling); with `--check` it writes nothing and exits 1 listing them. Returns the exit code.
 */
export function runGenerator(g: Generator, argv: readonly string[], base = REPO_ROOT): number {
  const unknown = argv.filter((a) => a !== '--check');
  if (unknown.length) {
    process.stderr.write(`${g.command}: unknown argument ${JSON.stringify(unknown[0])}; expected nothing or --check\n`);
    return 2;
  }
  const files = g.files();
  const stale = staleFiles(files, base);
  if (argv.includes('--check')) {
    if (stale.length) {
      process.stderr.write(`stale ${g.what} (run ${g.command}):\n${stale.map((f) => `  ${f}`).join('\n')}\n`);
      return 1;
    }
    process.stdout.write(`${g.dir} up to date\n`);
    return 0;
  }
  for (const f of files.filter((x) => stale.includes(x.path))) {
    const target = join(base, f.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(`${target}.tmp`, f.content);
    renameSync(`${target}.tmp`, target);
  }
  process.stdout.write(`${g.dir}: ${stale.length} file(s) written\n`);
  return 0;
}
