import { join } from 'node:path';
import { writeFileAtomic } from './atomic.js';

/**
 * Writes an evaluator's report `file` (relative, e.g. `artifacts/accuracy.json`) into the run directory as indented
 * JSON, atomically, so readers never see half a report. Outside a run (`runDir` undefined) nothing is written, which
 * lets an evaluator be used on its own. Returns the path written, if any.
 */
export function writeRunArtifact(runDir: string | undefined, file: string, value: unknown): string | undefined {
  if (runDir === undefined) return undefined;
  const path = join(runDir, file);
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
  return path;
}
