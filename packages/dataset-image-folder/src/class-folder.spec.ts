import { isInputError } from '@kd/core';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { compareCodePoints, scanClassFolder } from './class-folder.js';
import { removeTempDirs, tempDir, writeFile } from '../test/image-tree.js';

const EXT = ['.jpg', '.jpeg', '.png'];

function scanError(dir: string, classes?: string[]): Error {
  try {
    scanClassFolder(dir, { extensions: EXT, ...(classes ? { classes } : {}) });
  } catch (e) {
    expect(isInputError(e)).toBe(true);
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('scanClassFolder', () => {
  it('indexes classes by sorted folder name (code points, as torchvision ImageFolder) and lists files recursively in sorted order', () => {
    const dir = tempDir();
    // Created out of order; upper case sorts before lower case, "n10" before "n9".
    for (const f of [
      'n9/b.png',
      'n9/a.JPEG',
      'B/x.jpg',
      'n10/sub/deeper/d.png',
      'n10/zz.png',
      'n10/sub/a.png',
      'n10/sub b/q.png',
      'n10/A.png',
    ])
      writeFile(join(dir, f), 'x');
    const folder = scanClassFolder(dir, { extensions: EXT });
    expect(folder.classNames).toEqual(['B', 'n10', 'n9']);
    const rel = folder.paths.map((p) => p.slice(dir.length + 1));
    // torchvision's make_dataset: sorted(os.walk(class_dir)) orders directories by full path, so "sub" < "sub b" <
    // "sub/deeper" (" " sorts before "/"); then sorted file names in each. The n10 order below is what
    // `for root, _, f in sorted(os.walk('n10')): for n in sorted(f)` prints with /usr/bin/python3 on this tree.
    expect(rel).toEqual([
      'B/x.jpg',
      'n10/A.png',
      'n10/zz.png',
      'n10/sub/a.png',
      'n10/sub b/q.png',
      'n10/sub/deeper/d.png',
      'n9/a.JPEG',
      'n9/b.png',
    ]);
    expect(Array.from(folder.labels)).toEqual([0, 1, 1, 1, 1, 1, 2, 2]);
  });

  it('sorts by code point, not UTF-16 unit', () => {
    // U+1F600 (surrogates D83D DE00) sorts after U+FF5E by code point but before it by UTF-16 unit.
    expect(compareCodePoints('\u{1F600}', '\uFF5E')).toBeGreaterThan(0);
    expect(['\u{1F600}', '\uFF5E'].sort()).toEqual(['\u{1F600}', '\uFF5E']);
    expect(compareCodePoints('a', 'ab')).toBeLessThan(0);
    expect(compareCodePoints('ab', 'ab')).toBe(0);
  });

  it('skips files whose extension is not listed, case-insensitively, and counts them', () => {
    const dir = tempDir();
    for (const f of ['a/1.PNG', 'a/2.gif', 'a/notes.txt', 'a/.DS_Store', 'b/3.Jpeg', 'b/4.webp', 'b/5.png']) writeFile(join(dir, f), 'x');
    const folder = scanClassFolder(dir, { extensions: EXT });
    expect(folder.paths.map((p) => p.slice(dir.length + 1))).toEqual(['a/1.PNG', 'b/3.Jpeg', 'b/5.png']);
    expect(folder.skipped).toBe(4);
    expect(scanClassFolder(dir, { extensions: ['.png'] }).skipped).toBe(5);
  });

  it('follows symbolic links to class folders', () => {
    const dir = tempDir();
    const elsewhere = tempDir();
    writeFile(join(elsewhere, 'cats', '1.png'), 'x');
    writeFile(join(dir, 'dog', '1.png'), 'x');
    symlinkSync(join(elsewhere, 'cats'), join(dir, 'cat'));
    expect(scanClassFolder(dir, { extensions: EXT }).classNames).toEqual(['cat', 'dog']);
  });

  it('uses an explicit class list as the index, reading only those folders', () => {
    const dir = tempDir();
    for (const f of ['a/1.png', 'b/1.png', 'c/1.png', 'c/2.png']) writeFile(join(dir, f), 'x');
    const folder = scanClassFolder(dir, { extensions: EXT, classes: ['c', 'a'] });
    expect(folder.classNames).toEqual(['c', 'a']);
    expect(Array.from(folder.labels)).toEqual([0, 0, 1]);
    expect(scanError(dir, ['a', 'zebra']).message).toBe(
      `${dir}: no folder for class "zebra" listed in "classes": expected one sub-folder per class (found "a", "b", "c")`,
    );
  });

  it('refuses an empty class folder, a folder without images or classes, and a missing directory, naming the path', () => {
    const dir = tempDir();
    writeFile(join(dir, 'a', '1.png'), 'x');
    writeFile(join(dir, 'b', 'readme.txt'), 'x');
    expect(scanError(dir).message).toBe(
      `${join(dir, 'b')}: class folder "b" holds no images: expected files ending in .jpg, .jpeg, .png (case-insensitive); 1 file with other extensions skipped`,
    );
    const none = tempDir();
    mkdirSync(join(none, 'a'));
    mkdirSync(join(none, 'b'));
    expect(scanError(none).message).toBe(
      `${none}: no images in any of the 2 class folders: expected files ending in .jpg, .jpeg, .png (case-insensitive)`,
    );
    const flat = tempDir();
    writeFile(join(flat, '1.png'), 'x');
    expect(scanError(flat).message).toBe(`${flat}: no class folders: expected one sub-folder per class, each holding its images`);
    expect(scanError(join(flat, 'missing')).message).toBe(`${join(flat, 'missing')}: dataset folder does not exist: expected a directory`);
  });
});

afterAll(removeTempDirs);
