import { readFileSync, statSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { printParseErrorCode, visit, type JSONPath, type ParseErrorCode } from 'jsonc-parser';
import { KdInputError } from '../errors/errors.js';

/**
 * Deeper than any config needs (they nest about six levels), far shallower than what overflows the stack of the
 * parser, of ajv or of the error formatter: a file nested 100,000 levels deep is refused here, by position.
 */
export const MAX_JSON_DEPTH = 64;

/** A config is a page of settings; a file this large is a mistake (a data file named by accident) or an attack. */
export const MAX_JSON_BYTES = 16 * 2 ** 20;

/** A problem at a place in the text: 0-based line and column as the parser counts them (UTF-16 units). */
interface Problem {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

function pointerOf(path: JSONPath): string {
  if (path.length === 0) return '/';
  const parts = path.map((s) => String(s).replace(/~/g, '~0').replace(/\//g, '~1'));
  // A pointer dozens of levels deep says nothing more than its head and tail.
  const shown = parts.length > 8 ? [...parts.slice(0, 4), '…', ...parts.slice(-2)] : parts;
  return `/${shown.join('/')}`;
}

/** The token at an error: the parser marks one character of a bare word ("-" of "-Infinity"), a word reads better. */
function tokenAt(text: string, offset: number, length: number): string {
  const token = text.slice(offset, offset + length);
  if (token.length > 1) return token;
  return /^[-+.\w']+/.exec(text.slice(offset, offset + 40))?.[0] ?? token;
}

function quoteFound(token: string, atEnd: boolean): string {
  if (atEnd) return 'the end of the file';
  return token.length > 24 ? `${JSON.stringify(token.slice(0, 24))}…` : JSON.stringify(token);
}

/** What the parser expected at an error, in words, with the hint that fits the usual causes. */
function describeSyntax(code: ParseErrorCode, text: string, offset: number, length: number, rootEnd: number, inside: Container): string {
  const atEnd = offset >= text.length;
  const token = tokenAt(text, offset, length);
  const found = quoteFound(token, atEnd);
  const close = inside.kind === 'array' ? ']' : '}';
  const before = text.slice(0, offset).trimEnd();
  if (rootEnd >= 0 && offset >= rootEnd)
    return `expected the end of the file after the JSON value; found ${found} (one config holds exactly one JSON object)`;
  switch (printParseErrorCode(code)) {
    case 'InvalidSymbol':
    case 'ValueExpected': {
      if (atEnd)
        return before.length === 0
          ? 'expected a JSON object; the file is empty'
          : 'expected a value; the file ends here (is it truncated?)';
      if (inside.expectsKey) return `expected a property name in double quotes; found ${found}`;
      if (/^[-+]?(NaN|Infinity)/.test(token))
        return `expected a value; found ${found}: NaN and Infinity are not JSON, write a finite number`;
      if (token.startsWith("'")) return `expected a value; found ${found}: JSON strings take double quotes`;
      if ((token === '}' || token === ']') && before.endsWith(','))
        return `expected a value; found ${found}: a trailing comma is not allowed in JSON`;
      return `expected a value (object, array, string, number, true, false or null); found ${found}`;
    }
    case 'PropertyNameExpected':
      if (token === '}' && before.endsWith(',')) return `expected a property name; found "}": a trailing comma is not allowed in JSON`;
      if (token.startsWith("'")) return `expected a property name in double quotes; found ${found}`;
      return atEnd
        ? 'expected a property name; the file ends here (is it truncated?)'
        : `expected a property name in double quotes; found ${found}`;
    case 'ColonExpected':
      return atEnd ? 'expected ":"; the file ends here (is it truncated?)' : `expected ":" after the property name; found ${found}`;
    case 'CommaExpected':
      if (atEnd) return `expected "," or "${close}"; the file ends here (is it truncated?)`;
      if (/^\d/.test(token) && /[^\d.]-?0$/.test(before))
        return `expected "," or "${close}"; found ${found}: JSON numbers have no leading zeros`;
      return `expected "," or "${close}"; found ${found}`;
    case 'CloseBraceExpected':
      return atEnd ? 'expected "," or "}"; the file ends here (is it truncated?)' : `expected "," or "}"; found ${found}`;
    case 'CloseBracketExpected':
      return atEnd ? 'expected "," or "]"; the file ends here (is it truncated?)' : `expected "," or "]"; found ${found}`;
    case 'EndOfFileExpected':
      return `expected the end of the file after the JSON value; found ${found} (one config holds exactly one JSON object)`;
    case 'InvalidCommentToken':
    case 'UnexpectedEndOfComment':
      return `expected a JSON value; found a comment (${found}): JSON has no comments, use the "description" property`;
    case 'UnexpectedEndOfString':
      return 'expected the closing " of a string; the string runs to the end of its line or the file';
    case 'InvalidNumberFormat':
    case 'UnexpectedEndOfNumber':
      return `expected a number (digits, optional fraction and exponent); found ${found}`;
    case 'InvalidUnicode':
      return `expected four hex digits after \\u; found ${found}`;
    case 'InvalidEscapeCharacter':
      return `expected an escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX); found ${found}`;
    case 'InvalidCharacter':
      return 'expected a string without raw control characters (write \\n, \\t or \\u00XX)';
    default:
      return `not valid JSON near ${found}`;
  }
}

/** Line and column (1-based) of a character index, for problems found outside the parser. */
function lineColumn(text: string, index: number): { line: number; column: number } {
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  return { line, column: index - before.lastIndexOf('\n') };
}

/** Where the first invalid UTF-8 sequence starts: the decoded text is valid up to there, so positions are exact. */
function firstInvalidUtf8(bytes: Buffer): { index: number; byte: number } {
  const text = bytes.toString('utf8');
  let at = 0;
  let index = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (cp === 0xfffd && !(bytes[at] === 0xef && bytes[at + 1] === 0xbf && bytes[at + 2] === 0xbd)) return { index, byte: at };
    at += size;
    index += ch.length;
  }
  return { index, byte: at };
}

function readText(file: string): string {
  let bytes: Buffer;
  try {
    const size = statSync(file).size;
    if (size > MAX_JSON_BYTES)
      throw new KdInputError(
        `${file}: ${size} bytes; expected a JSON config of at most ${MAX_JSON_BYTES / 2 ** 20} MiB (is this a data file?)`,
      );
    bytes = readFileSync(file);
  } catch (e) {
    if (e instanceof KdInputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory; expected a JSON config file'
          : code === 'EACCES' || code === 'EPERM'
            ? 'permission denied; cannot read the config'
            : `cannot read (${(e as Error).message})`;
    throw new KdInputError(`${file}: ${why}`);
  }
  if (!isUtf8(bytes)) {
    if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
      throw new KdInputError(`${file}: line 1, column 1: expected UTF-8 text; the file is UTF-16 (save it as UTF-8)`);
    const { index, byte } = firstInvalidUtf8(bytes);
    const { line, column } = lineColumn(bytes.toString('utf8'), index);
    throw new KdInputError(
      `${file}: line ${line}, column ${column}: expected UTF-8 text; byte ${byte} (0x${bytes[byte]!.toString(16).padStart(2, '0')}) does not start a valid UTF-8 character`,
    );
  }
  // Editors on Windows write a byte-order mark; it carries no meaning in UTF-8, so it is dropped, not refused.
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Where the parser is: inside an object or array, and whether a property name comes next. */
interface Container {
  kind: 'object' | 'array' | 'top';
  expectsKey: boolean;
}

class TooDeep extends Error {
  constructor(readonly problem: Problem) {
    super(problem.message);
  }
}

/**
 * Parses JSON text strictly (no comments, no trailing commas), reporting every problem as
 * `source: line L, column C: what was expected`. Beyond the grammar it refuses what `JSON.parse` would silently
 * turn into something else: numbers that overflow to Infinity (`1e999`), duplicate keys (the last would win), and
 * nesting deeper than `MAX_JSON_DEPTH`.
 */
export function parseJsonText(text: string, source: string): unknown {
  const syntax: Problem[] = [];
  const semantic: Problem[] = [];
  const keys: Set<string>[] = [];
  const containers: Container[] = [{ kind: 'top', expectsKey: false }];
  const inside = () => containers[containers.length - 1]!;
  let depth = 0;
  // Offset just past the root value; anything but whitespace after it is trailing garbage.
  let rootEnd = -1;
  const open = (offset: number, line: number, column: number, path: () => JSONPath) => {
    depth++;
    if (depth > MAX_JSON_DEPTH)
      throw new TooDeep({
        offset,
        line,
        column,
        message: `${pointerOf(path())}: nested more than ${MAX_JSON_DEPTH} levels deep; a kd config needs a handful`,
      });
  };
  const close = (offset: number) => {
    depth--;
    if (depth === 0) rootEnd = offset + 1;
  };
  try {
    visit(
      text,
      {
        onObjectBegin: (offset, _l, line, column, path) => {
          open(offset, line, column, path);
          keys.push(new Set());
          containers.push({ kind: 'object', expectsKey: true });
        },
        onObjectEnd: (offset) => {
          keys.pop();
          containers.pop();
          close(offset);
        },
        onArrayBegin: (offset, _l, line, column, path) => {
          open(offset, line, column, path);
          containers.push({ kind: 'array', expectsKey: false });
        },
        onArrayEnd: (offset) => {
          containers.pop();
          close(offset);
        },
        onSeparator: (character) => {
          const c = inside();
          c.expectsKey = c.kind === 'object' && character === ',';
        },
        onObjectProperty: (name, offset, _l, line, column, path) => {
          inside().expectsKey = false;
          const seen = keys[keys.length - 1];
          if (seen?.has(name))
            semantic.push({
              offset,
              line,
              column,
              message: `${pointerOf([...path(), name])}: duplicate key "${name}"; expected each key once (JSON would keep only the last)`,
            });
          seen?.add(name);
        },
        onLiteralValue: (value: unknown, offset, length, line, column, path) => {
          if (typeof value === 'number' && !Number.isFinite(value))
            semantic.push({
              offset,
              line,
              column,
              message: `${pointerOf(path())}: got ${text.slice(offset, offset + Math.min(length, 40))} (not a finite number: beyond ±1.8e308); expected a finite number`,
            });
          if (depth === 0 && rootEnd < 0) rootEnd = offset + length;
        },
        onError: (code, offset, length, line, column) => {
          syntax.push({ offset, line, column, message: describeSyntax(code, text, offset, length, rootEnd, inside()) });
        },
      },
      { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false },
    );
  } catch (e) {
    if (!(e instanceof TooDeep)) throw e;
    const p = e.problem;
    throw new KdInputError(`${source}: line ${p.line + 1}, column ${p.column + 1}: ${p.message}`);
  }
  const at = (p: Problem) => `line ${p.line + 1}, column ${p.column + 1}: ${p.message}`;
  // After the first syntax error the parser resynchronises by guessing; what it reports next is mostly echo.
  const first = syntax[0];
  if (first) throw new KdInputError(`${source}: ${at(first)}`);
  if (semantic.length === 1) throw new KdInputError(`${source}: ${at(semantic[0]!)}`);
  if (semantic.length > 1) throw new KdInputError(`${source}: not a valid config`, semantic.slice(0, 20).map(at));
  // The grammar is checked; JSON.parse builds the value (a "__proto__" key stays a plain property there).
  return JSON.parse(text);
}

/** Reads a JSON config, reporting unreadable files, encodings and syntax errors with their position. */
export function readJsonFile(file: string): unknown {
  return parseJsonText(readText(file), file);
}
