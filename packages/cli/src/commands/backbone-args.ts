import { KdInputError } from '@kd/core';

/** `--num-classes <n>`, required by the commands that build a backbone outside a config. */
export function parseNumClasses(v: string | undefined, command = 'kd describe backbone'): number {
  if (v === undefined) throw new KdInputError(`${command}: --num-classes <n> is required`);
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new KdInputError(`--num-classes: got ${JSON.stringify(v)}; expected an integer >= 1`);
  return n;
}

/** `--input h,w,c` (default 32,32,3). */
export function parseInput(v: string | undefined): [number, number, number] {
  if (v === undefined) return [32, 32, 3];
  const parts = v.split(/[,x]/).map((s) => Number(s.trim()));
  if (parts.length !== 3 || parts.some((n) => !Number.isInteger(n) || n < 1))
    throw new KdInputError(`--input: got ${JSON.stringify(v)}; expected height,width,channels (e.g. 32,32,3)`);
  return parts as [number, number, number];
}

/** `--options '<json object>'`: a backbone's options. */
export function parseOptions(v: string | undefined): Record<string, unknown> {
  if (v === undefined) return {};
  let o: unknown;
  try {
    o = JSON.parse(v);
  } catch (e) {
    throw new KdInputError(`--options: not valid JSON (${(e as Error).message})`);
  }
  if (!o || typeof o !== 'object' || Array.isArray(o)) throw new KdInputError('--options: expected a JSON object');
  return o as Record<string, unknown>;
}
