import { KdInputError } from '@kd/core';
import { readdirSync, statSync, type Dirent } from 'node:fs';
import { extname, join } from 'node:path';

/** The images of one class-per-folder directory, in a fixed order, with their labels. */
export interface ClassFolder {
  readonly dir: string;
  readonly classNames: readonly string[];
  /** Absolute paths, grouped by class in class-index order, each class's files in sorted relative-path order. */
  readonly paths: readonly string[];
  readonly labels: Int32Array;
  /** Files left out because their extension is not in the accepted list. */
  readonly skipped: number;
}

export interface ScanOptions {
  /** Accepted extensions, lower case with the dot; matched case-insensitively. */
  readonly extensions: readonly string[];
  /** Explicit class list; its order is the class index. Undefined: the sorted sub-folder names. */
  readonly classes?: readonly string[];
}

/**
 * Code-point order, as Python's `sorted` on `str` (torchvision's ImageFolder), which `Array.prototype.sort`'s
 * UTF-16 order differs from only for characters outside the Basic Multilingual Plane.
 */
export function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

function listDir(dir: string, what: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new KdInputError(`${dir}: ${what} does not exist: expected a directory`);
    if (code === 'ENOTDIR') throw new KdInputError(`${dir}: ${what} is a file: expected a directory`);
    throw new KdInputError(`${dir}: cannot read ${what} (${(e as Error).message})`);
  }
}

/** Follows symbolic links, as torchvision's `os.walk(followlinks=True)`. */
function isDirectory(dir: string, entry: Dirent): boolean {
  if (entry.isDirectory()) return true;
  if (!entry.isSymbolicLink()) return false;
  try {
    return statSync(join(dir, entry.name)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Image files under `dir`, recursively, in torchvision's order: directories sorted by their full path
 * (`sorted(os.walk(dir))`), and within each directory its files sorted by name.
 */
function collectImages(dir: string, extensions: ReadonlySet<string>): { files: string[]; skipped: number } {
  const dirs: { path: string; files: string[] }[] = [];
  const walk = (path: string, depth: number) => {
    const files: string[] = [];
    dirs.push({ path, files });
    for (const entry of listDir(path, 'class folder')) {
      if (isDirectory(path, entry)) {
        // A symlink cycle would recurse forever; 32 levels is far beyond any real layout.
        if (depth >= 32)
          throw new KdInputError(`${join(path, entry.name)}: folders nested more than 32 levels deep (a symbolic-link cycle?)`);
        walk(join(path, entry.name), depth + 1);
      } else files.push(entry.name);
    }
  };
  walk(dir, 0);
  dirs.sort((a, b) => compareCodePoints(a.path, b.path));
  const files: string[] = [];
  let skipped = 0;
  for (const d of dirs) {
    for (const name of d.files.sort(compareCodePoints)) {
      if (extensions.has(extname(name).toLowerCase())) files.push(join(d.path, name));
      else skipped++;
    }
  }
  return { files, skipped };
}

/** The sub-folder names of `dir` in code-point order: its classes, by torchvision's convention. */
export function listClassNames(dir: string): string[] {
  return listDir(dir, 'dataset folder')
    .filter((e) => isDirectory(dir, e))
    .map((e) => e.name)
    .sort(compareCodePoints);
}

/**
 * Scans a class-per-folder directory: every sub-folder is a class, every file with an accepted extension below it
 * an image. Class indices are the positions of the class names in code-point order (torchvision's ImageFolder),
 * or in `options.classes` when given.
 */
export function scanClassFolder(dir: string, options: ScanOptions): ClassFolder {
  const extensions = new Set(options.extensions.map((e) => e.toLowerCase()));
  const found = listClassNames(dir);
  let classNames: readonly string[];
  if (options.classes) {
    const present = new Set(found);
    const missing = options.classes.filter((c) => !present.has(c));
    if (missing.length) {
      throw new KdInputError(
        `${dir}: no folder for class${missing.length > 1 ? 'es' : ''} ${missing.map((c) => JSON.stringify(c)).join(', ')} ` +
          `listed in "classes": expected one sub-folder per class (found ${
            found.length
              ? found
                  .slice(0, 10)
                  .map((c) => JSON.stringify(c))
                  .join(', ') + (found.length > 10 ? ', …' : '')
              : 'none'
          })`,
      );
    }
    classNames = options.classes;
  } else {
    if (!found.length) throw new KdInputError(`${dir}: no class folders: expected one sub-folder per class, each holding its images`);
    classNames = found;
  }
  const paths: string[] = [];
  const labels: number[] = [];
  const empty: string[] = [];
  let skipped = 0;
  classNames.forEach((name, label) => {
    const { files, skipped: s } = collectImages(join(dir, name), extensions);
    if (!files.length) empty.push(name);
    for (const f of files) {
      paths.push(f);
      labels.push(label);
    }
    skipped += s;
  });
  const accepted = `files ending in ${[...extensions].join(', ')} (case-insensitive)`;
  const skippedNote = skipped ? `; ${skipped} file${skipped > 1 ? 's' : ''} with other extensions skipped` : '';
  if (!paths.length)
    throw new KdInputError(`${dir}: no images in any of the ${classNames.length} class folders: expected ${accepted}${skippedNote}`);
  if (empty.length) {
    // Every class needs examples: an empty one would silently become a label no image carries.
    throw new KdInputError(
      `${join(dir, empty[0]!)}: class folder${empty.length > 1 ? 's' : ''} ${empty.map((c) => JSON.stringify(c)).join(', ')} ` +
        `hold${empty.length > 1 ? '' : 's'} no images: expected ${accepted}${skippedNote}`,
    );
  }
  return { dir, classNames, paths, labels: Int32Array.from(labels), skipped };
}
