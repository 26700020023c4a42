import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sourceImporter, tempDir, tinyConfig, writeConfig } from '@kd/testing';
import { main } from '../src/main.js';
import { captureIo } from './helpers.js';

/** Every file's bytes under `dir`, so a test can require that a refused command changed nothing. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else out[p] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

const work = tempDir('kd-damaged-');

/** A run interrupted after its first epoch (its config writes to its own directory), to damage. */
async function interruptedRun(name: string): Promise<string> {
  const file = writeConfig(work, `${name}.json`, tinyConfig(name, {}, { epochs: 2 }));
  const io = captureIo();
  const code = await main(['run', file], io, {
    importer: sourceImporter,
    attach: (events) =>
      events.on('epochEnd', (e) => {
        if (e.epoch === 0) throw new Error('simulated crash');
      }),
  });
  expect(code, io.stderr).toBe(1);
  return join(work, name);
}

describe('a damaged run directory is an input error naming the file; nothing is changed', () => {
  it.each([
    [
      'a corrupt checkpoints/latest.json',
      (d: string) => writeFileSync(join(d, 'checkpoints', 'latest.json'), '{"checkpoint": "s0-tr'),
      /checkpoints\/latest\.json: not readable JSON/,
    ],
    [
      'latest.json naming a path outside the run',
      (d: string) => writeFileSync(join(d, 'checkpoints', 'latest.json'), '{"checkpoint": "../../etc"}'),
      /latest\.json: \/checkpoint: got "\.\.\/\.\.\/etc"; expected a checkpoint name/,
    ],
    [
      'latest.json naming a missing checkpoint',
      (d: string) => writeFileSync(join(d, 'checkpoints', 'latest.json'), '{"checkpoint": "s0-train-e0009"}'),
      /names .*s0-train-e0009, which has no state\.json/,
    ],
    [
      'a missing provenance.json',
      (d: string) => rmSync(join(d, 'provenance.json')),
      /provenance\.json: missing; expected the file kd writes there/,
    ],
    [
      'a damaged line in the middle of metrics.jsonl',
      (d: string) => writeFileSync(join(d, 'metrics.jsonl'), '{"epoch":1\n{"epoch":2}\n'),
      /metrics\.jsonl:1: not a JSON line/,
    ],
  ])('%s', async (name, damage, message) => {
    const dir = await interruptedRun(name.replace(/\W+/g, '-'));
    damage(dir);
    const before = snapshot(dir);
    const io = captureIo();
    expect(await main(['run', '--resume', dir], io, { importer: sourceImporter }), io.stderr).toBe(2);
    expect(io.stderr).toMatch(message);
    expect(io.stderr).not.toMatch(/^\s+at /m);
    expect(snapshot(dir)).toEqual(before);
  });

  it('the undamaged copy resumes and finishes', async () => {
    const dir = await interruptedRun('intact');
    const io = captureIo();
    expect(await main(['run', '--resume', dir], io, { importer: sourceImporter }), io.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).status).toBe('finished');
  });
});
