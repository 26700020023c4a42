import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCK_FILE, RunLock } from './run-lock.js';

const dir = () => mkdtempSync(join(tmpdir(), 'kd-lock-'));

/** The pid of a process that has certainly exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('RunLock', () => {
  it('is exclusive while held, free after release', () => {
    const d = dir();
    const lock = RunLock.acquire(d);
    expect(JSON.parse(readFileSync(join(d, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    lock.release();
    expect(existsSync(join(d, LOCK_FILE))).toBe(false);
    RunLock.acquire(d).release();
  });

  it('refuses a directory locked by a live process, naming it', () => {
    const d = dir();
    // The parent of this test process is alive for the test's whole life.
    writeFileSync(join(d, LOCK_FILE), JSON.stringify({ pid: process.ppid, host: hostname(), startedAt: 'then' }));
    expect(() => RunLock.acquire(d)).toThrow(
      new RegExp(`another kd process \\(pid ${process.ppid}, since then\\) is running in this directory`),
    );
    expect(JSON.parse(readFileSync(join(d, LOCK_FILE), 'utf8')).pid).toBe(process.ppid);
  });

  it('takes over the stale lock of a dead process, and says so', () => {
    const d = dir();
    const pid = deadPid();
    writeFileSync(join(d, LOCK_FILE), JSON.stringify({ pid, host: hostname(), startedAt: 'then' }));
    const warnings: string[] = [];
    const lock = RunLock.acquire(d, (m) => warnings.push(m));
    expect(warnings).toEqual([expect.stringContaining(`stale lock of process ${pid} (no longer running)`)]);
    expect(JSON.parse(readFileSync(join(d, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('takes over a lock file torn by a kill between create and write', () => {
    const d = dir();
    writeFileSync(join(d, LOCK_FILE), '');
    RunLock.acquire(d).release();
  });

  it('refuses a lock held on another host, with the way out', () => {
    const d = dir();
    writeFileSync(join(d, LOCK_FILE), JSON.stringify({ pid: 1, host: 'elsewhere', startedAt: 'then' }));
    expect(() => RunLock.acquire(d)).toThrow(/locked by process 1 on host elsewhere since then; if that run is no longer alive, delete/);
  });

  it('names who holds a directory now: a live owner or one on another host; nobody for a dead owner or no lock', () => {
    const d = dir();
    expect(RunLock.holder(d)).toBeNull();
    writeFileSync(join(d, LOCK_FILE), JSON.stringify({ pid: process.ppid, host: hostname(), startedAt: 'then' }));
    expect(RunLock.holder(d)).toEqual({ pid: process.ppid, host: hostname(), startedAt: 'then' });
    writeFileSync(join(d, LOCK_FILE), JSON.stringify({ pid: deadPid(), host: hostname(), startedAt: 'then' }));
    expect(RunLock.holder(d)).toBeNull();
    writeFileSync(join(d, LOCK_FILE), JSON.stringify({ pid: 1, host: 'elsewhere', startedAt: 'then' }));
    expect(RunLock.holder(d)).toMatchObject({ host: 'elsewhere' });
    writeFileSync(join(d, LOCK_FILE), '');
    expect(RunLock.holder(d)).toBeNull();
  });
});
