import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RUN_FILES, RunDirectory } from './run-directory.js';

describe('RunDirectory', () => {
  it('refuses to reuse a finished run without overwrite, naming the pointer and the way out', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-rundir-'));
    writeFileSync(join(dir, RUN_FILES.summary), '{}');
    expect(() => new RunDirectory(dir).checkFresh(false)).toThrow(/\/output\/dir: .* already exists and is not empty; set output.overwrite to true/);
  });

  it('on overwrite clears everything a run writes (core files, report, artifacts/, maps/) and keeps the user’s own files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-rundir-'));
    for (const f of [RUN_FILES.config, RUN_FILES.provenance, RUN_FILES.summary, RUN_FILES.metrics, RUN_FILES.report]) writeFileSync(join(dir, f), 'old');
    for (const d of [RUN_FILES.checkpoints, RUN_FILES.final, RUN_FILES.artifacts, RUN_FILES.maps]) {
      mkdirSync(join(dir, d));
      writeFileSync(join(dir, d, 'x'), 'old');
    }
    writeFileSync(join(dir, 'my-notes.txt'), 'keep');
    new RunDirectory(dir).prepareFresh(true);
    expect(readdirSync(dir)).toEqual(['my-notes.txt']);
    expect(existsSync(dir)).toBe(true);
  });
});
