import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeRunArtifact } from './run-artifact.js';

describe('writeRunArtifact', () => {
  it('writes indented JSON under the run directory, creating folders, and returns the path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-artifact-'));
    const path = writeRunArtifact(dir, 'artifacts/report.json', { a: [1, 2] });
    expect(path).toBe(join(dir, 'artifacts', 'report.json'));
    expect(readFileSync(path!, 'utf8')).toBe('{\n  "a": [\n    1,\n    2\n  ]\n}\n');
    // Nothing but the report is left behind (the temporary file was renamed into place).
    expect(readdirSync(join(dir, 'artifacts'))).toEqual(['report.json']);
  });

  it('writes nothing outside a run', () => {
    expect(writeRunArtifact(undefined, 'artifacts/report.json', {})).toBeUndefined();
  });
});
