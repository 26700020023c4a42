import { KdInputError } from '../errors/errors.js';

/** One `--set path=value` override of a config. */
export interface ConfigOverride {
  /** As given, e.g. `training.optimizer.lr=0.1`. */
  readonly text: string;
  /** Path segments (`training`, `optimizer`, `lr`); a number indexes an array (`evaluators.0.name`). */
  readonly path: readonly string[];
  readonly raw: string;
}

const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);

/** Parses `path=value`; the value is read when applied (see `applyOverrides`). */
export function parseOverride(text: string): ConfigOverride {
  const eq = text.indexOf('=');
  const path = eq > 0 ? text.slice(0, eq).split('.') : [];
  if (eq <= 0 || path.some((s) => s === '' || FORBIDDEN.has(s)))
    throw new KdInputError(
      `--set ${JSON.stringify(text)}: expected <path>=<value> with a dotted path of config keys, e.g. training.optimizer.lr=0.1`,
    );
  return { text, path, raw: text.slice(eq + 1) };
}

/**
 * The value of an override: JSON when it parses (numbers, booleans, null, arrays, objects, "quoted strings"), else
 * the text itself. Where the config already holds a string, an unquoted value stays a string (`output.dir=2024` is a
 * directory name, not a number); quote it in JSON to force a type.
 */
function valueOf(o: ConfigOverride, current: unknown): unknown {
  try {
    const v: unknown = JSON.parse(o.raw);
    if (typeof current === 'string' && typeof v !== 'string' && !/^\s*[[{]/.test(o.raw)) return o.raw;
    return v;
  } catch {
    return o.raw;
  }
}

/**
 * A copy of `raw` with the overrides applied in order, creating the objects a path needs. The result is validated
 * like the file itself, so a wrong key or type is reported with its pointer.
 */
export function applyOverrides(raw: Record<string, unknown>, overrides: readonly ConfigOverride[]): Record<string, unknown> {
  const out = structuredClone(raw);
  for (const o of overrides) {
    let node: Record<string, unknown> | unknown[] = out;
    for (let i = 0; i < o.path.length - 1; i++) {
      const key = o.path[i]!;
      let next: unknown = Array.isArray(node) ? node[Number(key)] : node[key];
      if (next === undefined) {
        next = {};
        set(node, key, next, o);
      }
      if (!next || typeof next !== 'object')
        throw new KdInputError(
          `--set ${o.text}: /${o.path.slice(0, i + 1).join('/')} is ${JSON.stringify(next)}, not an object or array to set a key in`,
        );
      node = next as Record<string, unknown> | unknown[];
    }
    const last = o.path[o.path.length - 1]!;
    set(node, last, valueOf(o, Array.isArray(node) ? node[Number(last)] : node[last]), o);
  }
  return out;
}

function set(node: Record<string, unknown> | unknown[], key: string, value: unknown, o: ConfigOverride): void {
  if (!Array.isArray(node)) {
    node[key] = value;
    return;
  }
  const i = Number(key);
  if (!Number.isInteger(i) || i < 0 || i > node.length)
    throw new KdInputError(`--set ${o.text}: "${key}" is not an index of the array at that point (0…${node.length})`);
  node[i] = value;
}
