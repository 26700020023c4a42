import { readFileSync } from 'node:fs';
import { KdInputError } from '../errors/errors.js';

function lineCol(text: string, pos: number): string {
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  return `line ${line}, column ${pos - before.lastIndexOf('\n')}`;
}

/** Reads a JSON config, reporting unreadable files and syntax errors with their position. */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new KdInputError(`${file}: ${code === 'ENOENT' ? 'no such file' : `cannot read (${(e as Error).message})`}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const m = /position (\d+)/.exec(msg);
    throw new KdInputError(`${file}: not valid JSON${m ? ` at ${lineCol(text, Number(m[1]))}` : ''}: ${msg}`);
  }
}
