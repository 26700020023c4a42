import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { KdInputError } from '@kd/core';
import { cifarFileNames, type CifarFormat } from './cifar.format.js';
import { downloadVerified } from './download.js';
import { readTarGzEntries } from './tar-gz.js';
import type { CifarOptions } from './schema.js';

/** The raw bytes of a variant's files, and a description of where they came from. */
export interface CifarFiles {
  readonly get: (name: string) => Uint8Array | undefined;
  /** How to name a file in messages: its path, or `archive:name`. */
  readonly label: (name: string) => string;
  readonly description: string;
}

/** The options that say where the files come from. */
export type SourceOptions = Pick<CifarOptions, 'dir' | 'archive' | 'download' | 'cacheDir' | 'url' | 'md5' | 'maxInflatedBytes'>;

export function defaultCacheDir(): string {
  const env = process.env['KD_CACHE_DIR'];
  return env ? join(env, 'datasets') : join(homedir(), '.cache', 'kd', 'datasets');
}

function hasBatches(dir: string, format: CifarFormat): boolean {
  return [...format.trainFiles, ...format.testFiles].every((f) => existsSync(join(dir, f)));
}

function fromDirectory(dir: string): CifarFiles {
  return {
    get: (name) => (existsSync(join(dir, name)) ? new Uint8Array(readFileSync(join(dir, name))) : undefined),
    label: (name) => join(dir, name),
    description: dir,
  };
}

async function fromArchive(file: string, format: CifarFormat, maxInflatedBytes: number): Promise<CifarFiles> {
  const entries = await readTarGzEntries(file, new Set(cifarFileNames(format)), maxInflatedBytes);
  return { get: (name) => entries.get(name), label: (name) => `${file}:${format.folder}/${name}`, description: file };
}

/**
 * Finds the files: `archive`; else `dir` (the files, the official folder inside it, or the archive inside it);
 * else the cache directory (extracted folder or archive), downloading the archive when `download` is set.
 */
export async function locateCifar(
  options: SourceOptions,
  format: CifarFormat,
  baseDir: string,
  log: (line: string) => void = (line) => process.stderr.write(`[cifar] ${line}\n`),
): Promise<CifarFiles> {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  if (options.archive !== undefined) return fromArchive(abs(options.archive), format, options.maxInflatedBytes);
  if (options.dir !== undefined) {
    const dir = abs(options.dir);
    if (!existsSync(dir)) throw new KdInputError(`dataset "cifar" (dir ${JSON.stringify(options.dir)}): directory ${dir} not found`);
    if (hasBatches(dir, format)) return fromDirectory(dir);
    if (hasBatches(join(dir, format.folder), format)) return fromDirectory(join(dir, format.folder));
    if (existsSync(join(dir, format.archive))) return fromArchive(join(dir, format.archive), format, options.maxInflatedBytes);
    const missing = [...format.trainFiles, ...format.testFiles].filter((f) => !existsSync(join(dir, f)));
    throw new KdInputError(
      `dataset "cifar" (dir ${JSON.stringify(options.dir)}): ${dir} lacks ${missing.join(', ')} (${format.variant} binary version), ` +
        `and holds neither ${format.folder}/ nor ${format.archive}`,
    );
  }
  const cache = options.cacheDir !== undefined ? abs(options.cacheDir) : defaultCacheDir();
  if (hasBatches(join(cache, format.folder), format)) return fromDirectory(join(cache, format.folder));
  const archive = join(cache, format.archive);
  if (options.download || existsSync(archive)) {
    await downloadVerified({
      url: options.url ?? format.url,
      md5: options.md5 ?? format.md5,
      file: archive,
      log,
    });
    return fromArchive(archive, format, options.maxInflatedBytes);
  }
  throw new KdInputError(
    `dataset "cifar": no ${format.variant} data. Set "dir" to the extracted ${format.folder} folder, "archive" to ${format.archive}, ` +
      `or "download": true to fetch ${format.url} into ${cache}`,
  );
}
