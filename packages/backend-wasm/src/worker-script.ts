import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Writes Emscripten's pthread worker script to a file and returns its path.
 *
 * tfjs ships the script as a string and, in browsers, hands workers a Blob URL; Node's `worker_threads` cannot start
 * a worker from a Blob URL, only from a file. The file is named by the content's hash, so every tfjs version gets its
 * own, concurrent processes share one, and a half-written file is never used (written aside, then renamed).
 */
export function writeWorkerScript(contents: string, dir: string = join(tmpdir(), 'kd-backend-wasm')): string {
  // tfjs escapes newlines inside the script's string literals only when it builds the Blob; a file needs the same.
  const script = contents.replace(/\n/g, '\\n');
  const hash = createHash('sha256').update(script).digest('hex').slice(0, 16);
  const path = join(dir, `pthread-worker-${hash}.cjs`);
  if (existsSync(path)) return path;
  mkdirSync(dir, { recursive: true });
  const partial = `${path}.${process.pid}.partial`;
  writeFileSync(partial, script);
  renameSync(partial, path);
  return path;
}
