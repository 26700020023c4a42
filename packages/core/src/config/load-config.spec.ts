import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_JSON_DEPTH, parseJsonText, readJsonFile } from './load-config.js';
import { KdInputError } from '../errors/errors.js';

let dir: string;
beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), 'kd-load-config-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Buffer): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(KdInputError);
    return (e as Error).message;
  }
  throw new Error('expected the input to be rejected');
}

const parse = (text: string) => errorOf(() => parseJsonText(text, 'cfg.json'));

describe('reading a JSON config', () => {
  it('parses valid JSON exactly as JSON.parse does', () => {
    const text = '{"a": [1, 2.5e-3, -0, true, null, "x\\u00e9"], "b": {"__proto__": 1}}';
    const v = readJsonFile(write('ok.json', text));
    expect(v).toEqual(JSON.parse(text));
    expect(Object.getPrototypeOf((v as { b: object }).b)).toBe(Object.prototype);
  });

  it('accepts a UTF-8 byte-order mark', () => {
    expect(readJsonFile(write('bom.json', '\ufeff{"a": 1}'))).toEqual({ a: 1 });
  });

  it.each([
    ['a NaN literal', '{\n  "lr": NaN\n}', 'cfg.json: line 2, column 9: expected a value; found "NaN": NaN and Infinity are not JSON'],
    ['Infinity', '{"lr": -Infinity}', 'line 1, column 8: expected a value; found "-Infinity"'],
    ['a truncated file', '{\n  "a": {\n    "b": 1', 'line 3, column 11: expected "," or "}"; the file ends here (is it truncated?)'],
    ['a file cut after a colon', '{"a":', 'line 1, column 6: expected a value; the file ends here (is it truncated?)'],
    ['trailing garbage', '{"a": 1}\n}', 'line 2, column 1: expected the end of the file after the JSON value; found "}"'],
    ['two objects', '{"a": 1} {"b": 2}', 'line 1, column 10: expected the end of the file after the JSON value'],
    ['an empty file', '', 'line 1, column 1: expected a JSON object; the file is empty'],
    ['only whitespace', '  \n ', 'line 2, column 2: expected a JSON object; the file is empty'],
    ['a trailing comma', '{"a": 1,\n}', 'line 2, column 1: expected a property name; found "}": a trailing comma is not allowed'],
    ['a trailing comma in an array', '{"a": [1,]}', 'line 1, column 10: expected a value; found "]": a trailing comma is not allowed'],
    ['a comment', '{"a": 1 // why\n}', 'line 1, column 9: expected a JSON value; found a comment'],
    ['single quotes', "{'a': 1}", 'line 1, column 2: expected a property name in double quotes'],
    ['a missing comma', '{"a": 1\n "b": 2}', 'line 2, column 2: expected "," or "}"; found "\\"b\\""'],
    ['a raw tab in a string', '{"a": "x\ty"}', 'line 1, column 7: expected a string without raw control characters'],
    ['a leading zero', '{"a": 01}', 'line 1, column 8: expected "," or "}"; found "1": JSON numbers have no leading zeros'],
    ['an unterminated string', '{"a": "xy}', 'line 1, column 7: expected the closing " of a string'],
  ])('%s: line, column and what was expected', (_name, text, needle) => {
    expect(parse(text)).toContain(needle);
  });

  it('refuses a number that overflows to Infinity, naming its pointer and its text', () => {
    expect(parse('{"training": {"optimizer": {\n"lr": 1e999}}}')).toBe(
      'cfg.json: line 2, column 7: /training/optimizer/lr: got 1e999 (not a finite number: beyond ±1.8e308); expected a finite number',
    );
  });

  it('refuses duplicate keys instead of keeping the last silently', () => {
    const msg = parse('{"training": {"epochs": 1,\n "epochs": 90}}');
    expect(msg).toContain('line 2, column 2: /training/epochs: duplicate key "epochs"');
  });

  it('lists several value problems at once', () => {
    const msg = parse('{"a": 1e400, "b": [-1e400]}');
    expect(msg).toContain('line 1, column 7: /a: got 1e400');
    expect(msg).toContain('line 1, column 20: /b/0: got -1e400');
  });

  it('refuses absurd nesting by position before anything recurses into it', () => {
    const deep = `{"a": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const msg = parse(deep);
    expect(msg).toMatch(
      new RegExp(`^cfg\\.json: line 1, column ${6 + MAX_JSON_DEPTH}: /a/0/0/0/…/0/0: nested more than ${MAX_JSON_DEPTH} levels deep`),
    );
    expect(msg.length).toBeLessThan(200);
    // The limit leaves room for any real config.
    expect(parseJsonText(`${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`, 'x')).toBeInstanceOf(Array);
  });

  it('names invalid UTF-8 by line, column and byte', () => {
    const file = write('latin1.json', Buffer.concat([Buffer.from('{\n  "description": "caf'), Buffer.from([0xe9]), Buffer.from('"\n}')]));
    expect(errorOf(() => readJsonFile(file))).toBe(
      `${file}: line 2, column 22: expected UTF-8 text; byte 23 (0xe9) does not start a valid UTF-8 character`,
    );
  });

  it('names a UTF-16 file as such', () => {
    const file = write('utf16.json', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"a":1}', 'utf16le')]));
    expect(errorOf(() => readJsonFile(file))).toContain(`${file}: line 1, column 1: expected UTF-8 text; the file is UTF-16`);
  });

  it('names a missing file, a directory and an oversized file', () => {
    expect(errorOf(() => readJsonFile(join(dir, 'none.json')))).toBe(`${join(dir, 'none.json')}: no such file`);
    const sub = join(dir, 'sub.json');
    mkdirSync(sub);
    expect(errorOf(() => readJsonFile(sub))).toBe(`${sub}: is a directory; expected a JSON config file`);
    const big = write('big.json', Buffer.alloc(17 * 2 ** 20, 0x20));
    expect(errorOf(() => readJsonFile(big))).toContain('expected a JSON config of at most 16 MiB');
  });
});
