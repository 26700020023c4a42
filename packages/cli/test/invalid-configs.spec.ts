import { createHash } from 'node:crypto';
import { cpSync, existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, rmSync, truncateSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { KdInputError } from '@kd/core';
import { KdRunError, nodeImporter, type ModuleImporter } from '@kd/core/host';
import { sourceImporter, tempDir } from '@kd/testing';
import { describeError, main } from '../src/main.js';
import { captureIo } from './helpers.js';

const corpus = resolve(import.meta.dirname, 'invalid-configs');
// expected.json, plus expected.<topic>.json files that packages add beside their own fixtures.
const isExpectations = (f: string) => /^expected(\.[\w-]+)?\.json$/.test(f);
const expected = Object.assign(
  {},
  ...readdirSync(corpus)
    .filter(isExpectations)
    .sort()
    .map((f) => JSON.parse(readFileSync(join(corpus, f), 'utf8')) as Record<string, string[]>),
) as Record<string, string[]>;
const files = readdirSync(corpus).filter((f) => f.endsWith('.json') && !isExpectations(f));

/** Workspace packages from source; a module path (a config's local plugin) from the path, as `kd` imports it. */
const importer: ModuleImporter = (specifier, root) =>
  specifier.startsWith('.') || specifier.startsWith('/') ? nodeImporter(specifier, root) : sourceImporter(specifier, root);

/** Every entry under `root` (directories, files with their content hash, links with their target), by path. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const rel = relative(root, path);
      const st = lstatSync(path);
      if (st.isSymbolicLink()) out[rel] = `link ${readlinkSync(path)}`;
      else if (st.isDirectory()) {
        out[rel] = `dir ${st.mode.toString(8)}`;
        walk(path);
      } else out[rel] = `file ${st.mode.toString(8)} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
    }
  };
  walk(root);
  return out;
}

const STACK_LINE = /^\s+at /m;

// The corpus is copied beside the fixtures its cases name (a trained teacher among them), one fresh copy per case,
// so that each case is judged on a tree nothing else touched and a case that wrongly writes cannot affect the next.
let template: string;
let corpusBefore: Record<string, string>;

beforeAll(async () => {
  corpusBefore = snapshot(corpus);
  template = tempDir('kd-invalid-configs-');
  cpSync(corpus, template, { recursive: true });
  const io = captureIo();
  expect(await main(['run', join(template, 'fixtures/teacher.json')], io, { importer }), io.stderr).toBe(0);
  const teacherRun = join(template, 'fixtures/teacher-run');
  const truncated = join(template, 'fixtures/teacher-truncated');
  cpSync(teacherRun, truncated, { recursive: true });
  const bin = join(truncated, 'final/network.bin');
  truncateSync(bin, Math.floor(statSync(bin).size / 2));
});

afterAll(() => {
  if (template) rmSync(template, { recursive: true, force: true });
  // The corpus itself is input: no case, and no fixture generation, may write into it.
  expect(snapshot(corpus)).toEqual(corpusBefore);
});

describe('invalid configs are rejected before anything is written', () => {
  it('has a corpus of at least 60 cases, each with expectations that name a pointer or file', () => {
    expect(files.length).toBeGreaterThanOrEqual(60);
    for (const f of files) {
      const needles = expected[f.replace(/\.json$/, '')];
      expect(needles, f).toBeDefined();
      expect(needles!.length, f).toBeGreaterThan(0);
    }
    expect(Object.keys(expected).filter((k) => !files.includes(`${k}.json`))).toEqual([]);
  });

  it.each(files)('%s: kd validate and kd run exit 2 with the pointer or file, no stack, nothing changed', async (file) => {
    const root = tempDir('kd-invalid-case-');
    try {
      cpSync(template, root, { recursive: true });
      const before = snapshot(root);
      const config = join(root, file);
      const needles = expected[file.replace(/\.json$/, '')]!;
      for (const command of ['validate', 'run']) {
        const io = captureIo();
        const tensors = tf.engine().state.numTensors;
        const code = await main([command, config], io, { importer });
        expect(code, `kd ${command}: ${io.stderr}`).toBe(2);
        for (const needle of needles) expect(io.stderr, `kd ${command}`).toContain(needle);
        expect(io.stderr, `kd ${command}`).toContain(file);
        expect(io.stderr, `kd ${command}`).not.toMatch(STACK_LINE);
        expect(tf.engine().state.numTensors, `kd ${command}: tensors left`).toBe(tensors);
        expect(snapshot(root), `kd ${command} changed the tree`).toEqual(before);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('local plugins', () => {
  it.each(['validate', 'plan', 'run'])(
    'kd %s --allow-local-plugins imports a module a config lists (without it, nothing is imported)',
    async (command) => {
      const root = tempDir('kd-local-plugin-');
      try {
        cpSync(template, root, { recursive: true });
        const config = join(root, 'local-plugin-without-flag.json');
        const marker = join(root, 'fixtures/evil-plugin-ran');
        const io = captureIo();
        expect(await main([command, config], io, { importer })).toBe(2);
        expect(existsSync(marker)).toBe(false);
        const allowed = captureIo();
        // The module registers nothing, so the config stays invalid; what matters is that it was imported.
        expect(await main([command, '--allow-local-plugins', config], allowed, { importer })).toBe(2);
        expect(existsSync(marker), allowed.stderr).toBe(true);
        expect(allowed.stderr).toContain('evil-plugin.mjs');
        expect(allowed.stderr).not.toMatch(STACK_LINE);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  );

  it('--allow-local-plugins is refused by commands that load no config', async () => {
    const io = captureIo();
    expect(await main(['plugins', '--allow-local-plugins'], io, { importer })).toBe(2);
    expect(io.stderr).toContain('--allow-local-plugins applies to run, validate, plan, sweep and worker, not to plugins');
  });
});

describe('errors reach the user as messages, not stack traces', () => {
  it('a usage error exits with 2 and prints usage', async () => {
    const io = captureIo();
    expect(await main(['frobnicate'], io)).toBe(2);
    expect(io.stderr).toContain("kd: unknown command 'frobnicate'");
    expect(io.stderr).toContain('Usage: kd <command>');
    expect(io.stderr).toContain('--allow-local-plugins');
    expect(io.stdout).toBe('');
  });

  it('a missing config file exits with 2 naming the file', async () => {
    const io = captureIo();
    expect(await main(['validate', 'no/such/config.json'], io, { importer })).toBe(2);
    expect(io.stderr).toMatch(/no\/such\/config\.json: no such file/);
  });

  it('input errors and run failures print their message alone, with their exit code', () => {
    expect(describeError(new KdInputError('cfg.json: /training/epochs: got 0'), false)).toEqual({
      code: 2,
      text: 'kd: cfg.json: /training/epochs: got 0\n',
    });
    expect(describeError(new KdRunError('training diverged at epoch 3 step 7: loss is NaN'), false)).toEqual({
      code: 1,
      text: 'kd: training diverged at epoch 3 step 7: loss is NaN\n',
    });
    expect(describeError(new KdRunError('interrupted (SIGINT); resume with kd run --resume runs/x', 130), false).code).toBe(130);
    expect(describeError(new KdRunError('terminated (SIGTERM)', 143), false).code).toBe(143);
  });

  it('an unexpected error prints its message and a hint; the stack only under KD_DEBUG=1', () => {
    const e = new TypeError("Cannot read properties of undefined (reading 'shape')");
    const quiet = describeError(e, false);
    expect(quiet.code).toBe(1);
    expect(quiet.text).toBe("kd: failed: Cannot read properties of undefined (reading 'shape')\n(set KD_DEBUG=1 for the stack trace)\n");
    const debug = describeError(e, true);
    expect(debug.code).toBe(1);
    expect(debug.text).toMatch(STACK_LINE);
    expect(describeError('a thrown string', false).text).toContain('kd: failed: a thrown string');
  });

  it('a filesystem error names its path: a full disk exits 1, a path of the wrong kind exits 2', () => {
    const fsError = (code: string, syscall: string, path?: string) =>
      Object.assign(new Error(`${code}: ${syscall}${path ? ` '${path}'` : ''}`), { code, syscall, errno: -28, ...(path ? { path } : {}) });
    const full = describeError(fsError('ENOSPC', 'write', '/runs/x/checkpoints/e0003/network.bin'), false);
    expect(full.code).toBe(1);
    expect(full.text).toBe(
      'kd: failed: /runs/x/checkpoints/e0003/network.bin: no space left on the device (ENOSPC in write)\n(set KD_DEBUG=1 for the stack trace)\n',
    );
    expect(describeError(fsError('ENOSPC', 'write'), false).text).toContain(
      'no space left on the device (ENOSPC in write); the path was not reported',
    );
    for (const [code, what] of [
      ['EACCES', 'permission denied'],
      ['EISDIR', 'is a directory'],
      ['ENOTDIR', 'not a directory'],
      ['EEXIST', 'already exists'],
    ] as const) {
      const r = describeError(fsError(code, 'open', '/data/runs/x'), false);
      expect(r.code, code).toBe(2);
      expect(r.text, code).toContain(`kd: /data/runs/x: `);
      expect(r.text, code).toContain(what);
      expect(r.text, code).not.toMatch(STACK_LINE);
    }
    const rename = Object.assign(fsError('EXDEV', 'rename', '/a'), { dest: '/b' });
    expect(describeError(rename, false).text).toContain('kd: failed: EXDEV');
  });
});
