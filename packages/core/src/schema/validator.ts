import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import type { PluginManifest } from '../plugin/plugin.js';
import { KdInputError } from '../errors/errors.js';
import { buildPipelineSchema, pluginSchemaId, SLOT_COMMENT_PREFIX } from './pipeline-schema.js';
import { didYouMean } from './did-you-mean.js';

const addFormats = ajvFormats.default;

export interface PipelineValidator {
  readonly schema: Record<string, unknown>;
  /** Validates in place (applies defaults) and returns the config, or throws `KdInputError`. */
  validate<T = Record<string, unknown>>(config: unknown, source?: string): T;
}

export function createAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true, useDefaults: true, discriminator: true, verbose: true });
  addFormats(ajv);
  return ajv;
}

/** Compiles the composed pipeline schema of the given plugins. */
export function createPipelineValidator(manifests: readonly PluginManifest[]): PipelineValidator {
  const ajv = createAjv();
  for (const m of manifests) {
    const { $schema: _ignored, ...rest } = m.optionsSchema as Record<string, unknown>;
    ajv.addSchema({ ...rest, $id: pluginSchemaId(m.kind, m.name) });
  }
  const schema = buildPipelineSchema(manifests);
  const fn = ajv.compile(schema);
  return {
    schema,
    validate<T>(config: unknown, source = 'config'): T {
      if (!fn(config)) throw new KdInputError(`${source}: invalid pipeline config`, formatErrors(fn, config));
      return config as T;
    },
  };
}

/** Validates a plugin's own options schema compiles under strict mode (used by tests and `kd plugins`). */
export function compilePluginSchema(manifest: PluginManifest): ValidateFunction {
  return createAjv().compile({ ...manifest.optionsSchema, $id: pluginSchemaId(manifest.kind, manifest.name) });
}

const SHOW_LENGTH = 60;

/**
 * A short rendering of a value for a message. Bounded in depth and length, because the value is the user's and may be
 * nested arbitrarily deep (JSON.stringify would overflow the stack); non-finite numbers are named, not printed as
 * JSON's `null`.
 */
export function show(value: unknown, depth = 0): string {
  if (value === undefined) return 'nothing';
  let s: string;
  if (typeof value === 'number') s = Number.isFinite(value) ? JSON.stringify(value) : String(value);
  else if (typeof value === 'string') s = JSON.stringify(value.length > SHOW_LENGTH ? value.slice(0, SHOW_LENGTH) : value);
  else if (value === null || typeof value !== 'object') s = String(JSON.stringify(value) ?? value);
  else if (depth >= 2) s = Array.isArray(value) ? '[…]' : '{…}';
  else if (Array.isArray(value)) {
    const items = value.slice(0, 4).map((v) => show(v, depth + 1));
    s = `[${items.join(',')}${value.length > 4 ? ',…' : ''}]`;
  } else {
    const keys = Object.keys(value);
    const items = keys
      .slice(0, 4)
      .map((k) => `${JSON.stringify(k.slice(0, SHOW_LENGTH))}:${show((value as Record<string, unknown>)[k], depth + 1)}`);
    s = `{${items.join(',')}${keys.length > 4 ? ',…' : ''}}`;
  }
  return depth === 0 && s.length > SHOW_LENGTH ? `${s.slice(0, SHOW_LENGTH - 3)}...` : s;
}

function typeOf(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  if (typeof value === 'number' && !Number.isFinite(value)) return 'not a finite number';
  return typeof value;
}

/** The plugin kind of a slot's schema (`dataset`, `backbone`, …), or undefined for any other schema. */
function slotKind(schema: unknown): string | undefined {
  const c = (schema as Record<string, unknown> | undefined)?.['$comment'];
  return typeof c === 'string' && c.startsWith(SLOT_COMMENT_PREFIX) ? c.slice(SLOT_COMMENT_PREFIX.length) : undefined;
}

/** `"dataset": "idx"` names a plugin but is not a slot: say what the slot's form is, with the name the user meant. */
function notASlotObject(at: string, kind: string, value: unknown, schema: unknown): string {
  const names = ((valueAt(schema, '/properties/name/enum') as unknown[] | undefined) ?? []).map(String);
  const name = typeof value === 'string' && value !== '' ? value : (names[0] ?? `<${kind} plugin>`);
  return `${at}: expected an object like {"name": ${JSON.stringify(name)}, …}, got ${show(value)}`;
}

function pointer(p: string): string {
  return p === '' ? '/' : p;
}

function valueAt(root: unknown, ptr: string): unknown {
  let v: unknown = root;
  for (const raw of ptr.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** One line per problem: JSON pointer, offending value, what is allowed, and a suggestion where one fits. */
export function formatErrors(fn: ValidateFunction, data: unknown): string[] {
  const errors = (fn.errors ?? []) as ErrorObject[];
  // oneOf/discriminator wrappers repeat what the branch errors already say.
  const useful = errors.filter((e) => !(e.keyword === 'oneOf' || e.keyword === 'anyOf') || errors.length === 1);
  // An if/then rule that failed says only "must match then"; the error inside the "then" says what is wrong.
  const said = (e: ErrorObject) =>
    useful.some((o) => o !== e && o.keyword !== 'if' && (o.instancePath + '/').startsWith(e.instancePath + '/'));
  const clear = useful.filter((e) => e.keyword !== 'if' || !said(e));
  const lines = new Set<string>();
  for (const e of clear) lines.add(formatOne(e, data));
  return [...lines];
}

function isObject(v: unknown): boolean {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function formatOne(e: ErrorObject, data: unknown): string {
  const at = pointer(e.instancePath);
  const value = valueAt(data, e.instancePath);
  const p = e.params as Record<string, unknown>;
  const slot = slotKind(e.parentSchema);
  if (slot && !isObject(value) && (e.keyword === 'type' || e.keyword === 'not' || e.keyword === 'oneOf' || e.keyword === 'discriminator'))
    return notASlotObject(at, slot, value, e.parentSchema);
  // A slot whose object names no plugin loads none, so its schema is the empty union: say what the object lacks.
  if (slot && e.keyword === 'not') {
    const name = (value as Record<string, unknown>)['name'];
    if (name === undefined) return `${at}/name: required property "name" is missing; expected the ${slot} plugin's name, e.g. {"name": …}`;
    if (typeof name !== 'string')
      return `${at}/name: got ${show(name)} (${typeOf(name)}); expected the name of a ${slot} plugin (a string)`;
  }
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(p['additionalProperty']);
      const props = Object.keys(((e.parentSchema as Record<string, unknown>)?.['properties'] as object) ?? {});
      const hint = didYouMean(key, props);
      return `${pointer(`${e.instancePath}/${key}`)}: unknown property "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}; allowed: ${props.join(', ') || 'none'}`;
    }
    case 'required':
      return `${pointer(`${e.instancePath}/${String(p['missingProperty'])}`)}: required property "${String(p['missingProperty'])}" is missing`;
    case 'enum': {
      const allowed = (p['allowedValues'] as unknown[]) ?? [];
      const hint = typeof value === 'string' ? didYouMean(value, allowed.map(String)) : undefined;
      return `${at}: got ${show(value)}; expected one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}${hint ? ` (did you mean "${hint}"?)` : ''}`;
    }
    case 'const':
      return `${at}: got ${show(value)}; expected ${JSON.stringify(p['allowedValue'])}`;
    case 'type':
      return `${at}: got ${show(value)} (${typeOf(value)}); expected ${String(p['type'])}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `${at}: got ${show(value)}; expected a number ${String(p['comparison'])} ${String(p['limit'])}`;
    case 'minLength':
      return `${at}: got ${show(value)}; expected a string of at least ${String(p['limit'])} character(s)`;
    case 'minItems':
    case 'maxItems':
      return `${at}: got ${show(value)}; expected ${e.keyword === 'minItems' ? 'at least' : 'at most'} ${String(p['limit'])} item(s)`;
    case 'not':
      return `${at}: ${String((e.parentSchema as Record<string, unknown>)?.['description'] ?? 'not allowed here')}`;
    case 'discriminator': {
      // Phrased as the enum and required errors on the same tag are, so that the two collapse into one line.
      const tag = String(p['tag']);
      const tagValue = valueAt(data, `${e.instancePath}/${tag}`);
      const allowed = valueAt(e.parentSchema, `/properties/${tag}/enum`) as unknown[] | undefined;
      if (tagValue === undefined) return `${at === '/' ? '' : at}/${tag}: required property "${tag}" is missing`;
      if (p['error'] === 'mapping' && allowed) {
        const hint = typeof tagValue === 'string' ? didYouMean(tagValue, allowed.map(String)) : undefined;
        return `${at}/${tag}: got ${show(tagValue)}; expected one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}${hint ? ` (did you mean "${hint}"?)` : ''}`;
      }
      if (p['error'] === 'mapping') return `${at}/${tag}: got ${show(tagValue)}; no such option`;
      return `${at}/${tag}: got ${show(tagValue)} (${typeOf(tagValue)}); expected a string`;
    }
    default:
      return `${at}: got ${show(value)}; ${e.message ?? 'invalid'}`;
  }
}
