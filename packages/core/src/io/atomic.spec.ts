import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDirAtomic, writeFileAtomic } from './atomic.js';

describe('atomic writes', () => {
  it('replaces a file without leaving temporaries', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-atomic-'));
    writeFileAtomic(join(dir, 'a.json'), 'one');
    writeFileAtomic(join(dir, 'a.json'), 'two');
    expect(readFileSync(join(dir, 'a.json'), 'utf8')).toBe('two');
    expect(readdirSync(dir)).toEqual(['a.json']);
  });

  it('keeps the old directory intact when filling the new one fails', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-atomic-'));
    const target = join(dir, 'ckpt');
    mkdirSync(target);
    writeFileSync(join(target, 'state.json'), 'old');
    expect(() =>
      writeDirAtomic(target, (tmp) => {
        writeFileSync(join(tmp, 'state.json'), 'half');
        throw new Error('killed mid-write');
      }),
    ).toThrow('killed mid-write');
    expect(readFileSync(join(target, 'state.json'), 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['ckpt']);
    writeDirAtomic(target, (tmp) => writeFileSync(join(tmp, 'state.json'), 'new'));
    expect(readFileSync(join(target, 'state.json'), 'utf8')).toBe('new');
    expect(existsSync(join(dir, '.ckpt.' + process.pid + '.old'))).toBe(false);
  });

  it('a full disk is a message naming the file; the old content and no temporary remain', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-atomic-'));
    const file = join(dir, 'summary.json');
    writeFileSync(file, 'old');
    // The temporary's name is known: pointing it at /dev/full makes the write fail with ENOSPC, as a full disk does.
    symlinkSync('/dev/full', join(dir, `.summary.json.${process.pid}.tmp`));
    expect(() => writeFileAtomic(file, 'new')).toThrow(
      new RegExp(`${file.replace(/[.]/g, '\\.')}: could not be written \\(the disk is full\\); the previous version, if any, is intact`),
    );
    expect(readFileSync(file, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['summary.json']);
  });
});
