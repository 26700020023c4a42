import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RUN_FILES, RUN_MARKER, RunDirectory } from './run-directory.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'kd-rundir-'));

/** A directory as a finished kd run leaves it, plus a file of the user's. */
function finishedRun(): string {
  const dir = fresh();
  writeFileSync(join(dir, RUN_MARKER), '{}');
  for (const f of [RUN_FILES.config, RUN_FILES.provenance, RUN_FILES.metrics, RUN_FILES.report]) writeFileSync(join(dir, f), 'old');
  writeFileSync(join(dir, RUN_FILES.summary), JSON.stringify({ status: 'finished' }));
  for (const d of [RUN_FILES.checkpoints, RUN_FILES.final, RUN_FILES.artifacts, RUN_FILES.maps, RUN_FILES.cache]) {
    mkdirSync(join(dir, d));
    writeFileSync(join(dir, d, 'x'), 'old');
  }
  writeFileSync(join(dir, 'my-notes.txt'), 'keep');
  return dir;
}

describe('RunDirectory', () => {
  it('a new or empty directory may start a run', () => {
    const dir = fresh();
    expect(new RunDirectory(join(dir, 'new')).checkFresh(false)).toBe('create');
    expect(new RunDirectory(dir).checkFresh(false)).toBe('empty');
  });

  it('refuses to reuse a finished run without overwrite, naming the pointer and the way out', () => {
    expect(() => new RunDirectory(finishedRun()).checkFresh(false)).toThrow(
      /\/output\/dir: .* holds a finished run; set output.overwrite to true/,
    );
  });

  it('on overwrite clears everything a run writes (core files, report, artifacts/, maps/, cache/) and keeps the user’s own files', () => {
    const dir = finishedRun();
    const rd = new RunDirectory(dir);
    rd.prepareFresh(rd.checkFresh(true));
    expect(readdirSync(dir).sort()).toEqual([RUN_MARKER, 'my-notes.txt']);
    expect(readFileSync(join(dir, 'my-notes.txt'), 'utf8')).toBe('keep');
  });

  it('overwrite never clears a directory kd did not create: a project folder keeps every file', () => {
    const dir = fresh();
    for (const d of [RUN_FILES.checkpoints, RUN_FILES.final, RUN_FILES.artifacts, RUN_FILES.maps]) {
      mkdirSync(join(dir, d));
      writeFileSync(join(dir, d, 'precious'), 'mine');
    }
    writeFileSync(join(dir, RUN_FILES.config), '{"mine": true}');
    expect(() => new RunDirectory(dir).checkFresh(true)).toThrow(
      /is not a kd run directory \(no \.kd-run marker\); output\.overwrite only ever clears directories kd created/,
    );
    expect(readdirSync(dir).sort()).toEqual(
      [RUN_FILES.artifacts, RUN_FILES.checkpoints, RUN_FILES.config, RUN_FILES.final, RUN_FILES.maps].sort(),
    );
    expect(readFileSync(join(dir, RUN_FILES.final, 'precious'), 'utf8')).toBe('mine');
  });

  it('an earlier kd version’s run (config + provenance, no marker) is named as such and left alone', () => {
    const dir = fresh();
    writeFileSync(join(dir, RUN_FILES.config), '{}');
    writeFileSync(join(dir, RUN_FILES.provenance), '{}');
    expect(() => new RunDirectory(dir).checkFresh(true)).toThrow(/earlier kd version: delete it yourself/);
  });

  it('output.dir that is a file is an input error, not a crash', () => {
    const file = join(fresh(), 'run');
    writeFileSync(file, 'not a directory');
    expect(() => new RunDirectory(file).checkFresh(true)).toThrow(/\/output\/dir: .*run exists and is not a directory/);
  });

  it('a run stopped before its first checkpoint is reused in place; one with a checkpoint asks for --resume', () => {
    const dir = fresh();
    writeFileSync(join(dir, RUN_MARKER), '{}');
    writeFileSync(join(dir, RUN_FILES.config), '{}');
    writeFileSync(join(dir, RUN_FILES.summary), JSON.stringify({ status: 'failed' }));
    expect(new RunDirectory(dir).checkFresh(false)).toBe('reuse');
    mkdirSync(join(dir, RUN_FILES.checkpoints));
    writeFileSync(join(dir, RUN_FILES.checkpoints, 'latest.json'), '{"checkpoint":"s0-train-e0001"}');
    expect(() => new RunDirectory(dir).checkFresh(false)).toThrow(/holds a failed run with a checkpoint: continue it with kd run --resume/);
    expect(new RunDirectory(dir).checkFresh(true)).toBe('overwrite');
  });

  it('sweeps the temporaries a killed writer left, and nothing else', () => {
    const dir = finishedRun();
    const temps = [
      join(dir, '.report.html.4242.tmp'),
      join(dir, RUN_FILES.checkpoints, '.s0-train-e0002.77.tmp'),
      join(dir, '.final.12.old'),
    ];
    for (const t of temps) mkdirSync(t, { recursive: true });
    writeFileSync(join(dir, RUN_FILES.artifacts, '.accuracy.json.9.tmp'), '{');
    writeFileSync(join(dir, '.my-hidden.tmp'), 'keep: no pid in the name');
    const removed = new RunDirectory(dir).sweepTemporaries();
    expect(removed).toHaveLength(4);
    for (const t of temps) expect(existsSync(t)).toBe(false);
    expect(existsSync(join(dir, '.my-hidden.tmp'))).toBe(true);
    expect(existsSync(join(dir, RUN_FILES.checkpoints, 'x'))).toBe(true);
  });

  it('a torn last line of metrics.jsonl (a kill mid-append) is dropped; a bad line elsewhere is an error naming the line', () => {
    const dir = fresh();
    writeFileSync(join(dir, RUN_FILES.metrics), '{"epoch":1}\n{"epoch":2}\n{"epo');
    expect(new RunDirectory(dir).metricsLines()).toEqual([{ epoch: 1 }, { epoch: 2 }]);
    writeFileSync(join(dir, RUN_FILES.metrics), '{"epoch":1}\n{"epo\n{"epoch":3}\n');
    expect(() => new RunDirectory(dir).metricsLines()).toThrow(/metrics\.jsonl:2: not a JSON line/);
  });

  it('a damaged run file is an input error naming it', () => {
    const dir = fresh();
    writeFileSync(join(dir, RUN_FILES.provenance), '{"startedAt": ');
    expect(() => new RunDirectory(dir).readJson(RUN_FILES.provenance)).toThrow(/provenance\.json: not readable JSON/);
    expect(() => new RunDirectory(dir).readJson(RUN_FILES.config)).toThrow(/config\.json: missing/);
  });
});
