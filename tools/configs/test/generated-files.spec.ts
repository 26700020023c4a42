import { existsSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactJson } from '../src/compact-json.js';
import { fromFile, runGenerator, type Generator } from '../src/generated-files.js';

describe('compactJson', () => {
  it('keeps what fits in 110 characters on one line and breaks the rest one entry per line', () => {
    expect(compactJson({ a: [1, 2], b: { c: 'x' } })).toBe('{ "a": [1, 2], "b": { "c": "x" } }');
    const long = { description: 'd'.repeat(100), list: [1, 2, 3] };
    expect(compactJson(long)).toBe(`{\n  "description": "${'d'.repeat(100)}",\n  "list": [1, 2, 3]\n}`);
    expect(compactJson(['e'.repeat(60), 'f'.repeat(60)])).toBe(`[\n  "${'e'.repeat(60)}",\n  "${'f'.repeat(60)}"\n]`);
  });
});

describe('fromFile', () => {
  it('climbs one level per directory of the generated file', () => {
    expect(fromFile('configs/cifar100/teachers/resnet56.json', 'kd.schema.json')).toBe('../../../kd.schema.json');
    expect(fromFile('configs/benchmark/study.json', 'runs/benchmark/study')).toBe('../../runs/benchmark/study');
  });
});

describe('runGenerator', () => {
  const generator: Generator = {
    dir: 'configs/x',
    what: 'x configs',
    command: 'node x.mjs',
    files: () => [
      { path: 'configs/x/a.json', content: '{"a": 1}\n' },
      { path: 'configs/x/sub/b.json', content: '{"b": 2}\n' },
    ],
  };

  it('--check lists the missing and changed files, exits 1 and writes nothing; a plain run writes exactly those', () => {
    const base = mkdtempSync(join(tmpdir(), 'kd-config-tools-'));
    mkdirSync(join(base, 'configs/x'), { recursive: true });
    writeFileSync(join(base, 'configs/x/a.json'), '{"a": 0}\n');
    const errors: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((t) => errors.push(String(t)) > 0);
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(runGenerator(generator, ['--check'], base)).toBe(1);
      expect(errors.join('')).toBe('stale x configs (run node x.mjs):\n  configs/x/a.json\n  configs/x/sub/b.json\n');
      expect(readFileSync(join(base, 'configs/x/a.json'), 'utf8')).toBe('{"a": 0}\n');
      expect(existsSync(join(base, 'configs/x/sub/b.json'))).toBe(false);
      expect(runGenerator(generator, [], base)).toBe(0);
      expect(readFileSync(join(base, 'configs/x/a.json'), 'utf8')).toBe('{"a": 1}\n');
      expect(readFileSync(join(base, 'configs/x/sub/b.json'), 'utf8')).toBe('{"b": 2}\n');
      expect(existsSync(join(base, 'configs/x/a.json.tmp'))).toBe(false);
      expect(runGenerator(generator, ['--check'], base)).toBe(0);
      expect(runGenerator(generator, ['--force'], base)).toBe(2);
      expect(errors.at(-1)).toMatch(/unknown argument "--force"; expected nothing or --check/);
    } finally {
      spy.mockRestore();
      out.mockRestore();
    }
  });
});
