import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { main } from '../src/main.js';
import { sourceImporter } from '@kd/testing';
import { captureIo } from './helpers.js';

const dir = resolve(import.meta.dirname, 'invalid-configs');
// expected.json, plus expected.<topic>.json files that packages add beside their own fixtures.
const isExpectations = (f: string) => /^expected(\.[\w-]+)?\.json$/.test(f);
const expected = Object.assign(
  {},
  ...readdirSync(dir)
    .filter(isExpectations)
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, string[]>),
) as Record<string, string[]>;
const files = readdirSync(dir).filter((f) => f.endsWith('.json') && !isExpectations(f));

describe('invalid configs are rejected before any tensor exists', () => {
  it('has a corpus of at least 15 cases, each with expectations', () => {
    expect(files.length).toBeGreaterThanOrEqual(15);
    for (const f of files) expect(expected[f.replace(/\.json$/, '')], f).toBeDefined();
  });

  it.each(files)('%s: exit code 2, JSON pointer and expectation in the message, nothing written', async (file) => {
    const io = captureIo();
    const before = tf.engine().state.numTensors;
    const code = await main(['run', join(dir, file)], io, { importer: sourceImporter });
    expect(code, io.stderr).toBe(2);
    for (const needle of expected[file.replace(/\.json$/, '')]!) expect(io.stderr).toContain(needle);
    expect(io.stderr).toContain(file);
    expect(tf.engine().state.numTensors).toBe(before);
    expect(existsSync(resolve(dir, '../../../../tmp/kd-invalid-run'))).toBe(false);
  });

  it('kd validate reports the same errors with exit code 2', async () => {
    const io = captureIo();
    const code = await main(['validate', join(dir, 'misspelt-top-level-key.json')], io, { importer: sourceImporter });
    expect(code).toBe(2);
    expect(io.stderr).toMatch(/\/trainng: unknown property "trainng" \(did you mean "training"\?\)/);
  });

  it('a usage error exits with 2 and prints usage', async () => {
    const io = captureIo();
    expect(await main(['frobnicate'], io)).toBe(2);
    expect(io.stderr).toContain('unknown command');
    expect(io.stderr).toContain('usage:');
  });

  it('a missing config file exits with 2 naming the file', async () => {
    const io = captureIo();
    expect(await main(['validate', 'no/such/config.json'], io, { importer: sourceImporter })).toBe(2);
    expect(io.stderr).toMatch(/no\/such\/config\.json: no such file/);
  });
});
