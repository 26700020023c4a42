import { repoRoot } from './repo.js';

/**
 * A CLI's input/output as a test drives it: what the command writes to stdout and stderr, collected. Shaped like
 * `@kd/cli`'s `CliIo` (structurally, so this package does not depend on the CLI it tests).
 */
export interface CapturedIo {
  readonly cwd: string;
  readonly interactive: boolean;
  out(text: string): void;
  err(text: string): void;
  readonly stdout: string;
  readonly stderr: string;
}

/** A non-interactive I/O rooted at `cwd` (the repository by default) that keeps everything written. */
export function captureIo(cwd = repoRoot): CapturedIo {
  let stdout = '';
  let stderr = '';
  return {
    cwd,
    interactive: false,
    out: (t) => void (stdout += t),
    err: (t) => void (stderr += t),
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
  };
}
