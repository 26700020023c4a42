import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { PluginRegistry } from '@kd/core';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A path relative to `from` as the same file relative to `to`, with forward slashes; absolute and empty stay. */
function rebase(p: string, from: string, to: string): string {
  if (p === '' || isAbsolute(p)) return p;
  return relative(to, resolve(from, p)).split(sep).join('/') || '.';
}

/** Whether a plugin specifier is a module path rather than a package name. */
const isLocalModule = (s: string) => s.startsWith('./') || s.startsWith('../') || s === '.' || s === '..';

/**
 * Rewrites the plugin options a schema documents as paths. kd's convention is to say so in the description
 * ("relative to the config file", "else to the config file"); an option "relative to `dir` when set" stays as it is when that sibling is set,
 * since the sibling is rebased instead.
 */
function rebaseOptions(value: Json, schema: unknown, from: string, to: string): void {
  const props = isObject(schema) && isObject(schema['properties']) ? schema['properties'] : {};
  for (const [key, prop] of Object.entries(props)) {
    const v = value[key];
    if (v === undefined || !isObject(prop)) continue;
    const description = typeof prop['description'] === 'string' ? prop['description'] : '';
    if (/\bto the config file\b/i.test(description)) {
      const sibling = /relative to `(\w+)` when set/.exec(description)?.[1];
      if (sibling !== undefined && value[sibling] !== undefined) continue;
      if (typeof v === 'string') value[key] = rebase(v, from, to);
      else if (isObject(v)) for (const [k, leaf] of Object.entries(v)) if (typeof leaf === 'string') v[k] = rebase(leaf, from, to);
    } else if (isObject(v)) rebaseOptions(v, prop, from, to);
  }
}

/**
 * Moves a raw config from a file in `from` to a file in `to` without changing what it refers to: a config's relative
 * paths resolve against its own directory, and a cell's config is written under the study's output root. Core's paths
 * (teacher weights, local plugin modules) and every plugin option documented as a path are rewritten; the rest is
 * copied. Plugins must be loaded (their schemas say which options are paths).
 */
export function rebaseConfig(raw: Json, from: string, to: string, registry: PluginRegistry): Json {
  const out = structuredClone(raw);
  delete out['$schema'];
  if (Array.isArray(out['plugins']))
    out['plugins'] = out['plugins'].map((p: unknown) => (typeof p === 'string' && isLocalModule(p) ? rebase(p, from, to) : p));
  const teacher = out['teacher'];
  if (isObject(teacher) && typeof teacher['weights'] === 'string') teacher['weights'] = rebase(teacher['weights'], from, to);
  const student = out['student'];
  if (isObject(student) && isObject(student['init']) && typeof student['init']['weights'] === 'string')
    student['init']['weights'] = rebase(student['init']['weights'], from, to);
  // The teacher cache is shared by every cell that names it: rebased like the weights, so they all find one directory.
  if (isObject(teacher) && isObject(teacher['cache']) && typeof teacher['cache']['dir'] === 'string')
    teacher['cache']['dir'] = rebase(teacher['cache']['dir'], from, to);
  const slot = (kind: 'dataset' | 'backbone' | 'distiller' | 'evaluator', v: unknown) => {
    if (!isObject(v) || typeof v['name'] !== 'string') return;
    const plugin = registry.find(kind, v['name']);
    if (plugin) rebaseOptions(v, plugin.manifest.optionsSchema, from, to);
  };
  slot('dataset', out['dataset']);
  slot('backbone', isObject(out['student']) ? out['student']['backbone'] : undefined);
  slot('backbone', isObject(teacher) ? teacher['backbone'] : undefined);
  slot('distiller', out['distiller']);
  if (Array.isArray(out['evaluators'])) for (const e of out['evaluators']) slot('evaluator', e);
  return out;
}
