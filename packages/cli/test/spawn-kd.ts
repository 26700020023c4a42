import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '@kd/testing';

export interface Exited {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  readonly stdout: string;
}

export interface SpawnedKd {
  readonly child: ChildProcess;
  readonly exited: Promise<Exited>;
  /** Resolves when stderr has printed a line matching `pattern`. */
  waitFor(pattern: RegExp): Promise<void>;
}

/** Node arguments that run the `kd` binary from its TypeScript sources; the kd arguments follow. */
export const KD_FROM_SOURCE: readonly string[] = [
  '--conditions=@kd/source',
  '--import',
  '@swc-node/register/esm-register',
  join(repoRoot, 'packages/cli/src/bin.ts'),
];

/**
 * Runs the `kd` binary from source in its own process (vitest's transforms do not reach a child), the way a user's
 * shell would: signals, kills and exit codes are real.
 */
export function spawnKd(args: readonly string[], env: Readonly<Record<string, string>> = {}): SpawnedKd {
  const child = spawn(process.execPath, [...KD_FROM_SOURCE, ...args], {
    cwd: repoRoot,
    env: { ...process.env, KD_WASM_THREADS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  child.stdout!.on('data', (d: Buffer) => void (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    for (const w of [...waiters])
      if (w.pattern.test(stderr)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
  });
  const exited = new Promise<Exited>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr, stdout })));
  return {
    child,
    exited,
    waitFor: (pattern) =>
      pattern.test(stderr)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            waiters.push({ pattern, resolve });
            void exited.then((e) => reject(new Error(`kd exited (${e.code ?? e.signal}) before printing ${pattern}:\n${e.stderr}`)));
          }),
  };
}

/** Runs kd to completion. */
export async function runKd(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<Exited> {
  return spawnKd(args, env).exited;
}
