import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(prefix = 'kd-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
