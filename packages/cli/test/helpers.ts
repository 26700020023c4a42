import { repoRoot } from '@kd/testing';
import type { CliIo } from '../src/io.js';

export interface Captured extends CliIo {
  readonly stdout: string;
  readonly stderr: string;
}

export function captureIo(cwd = repoRoot): Captured {
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
