import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import type { PluginManifest } from '../plugin/plugin.js';
import { KdInputError } from '../errors/errors.js';
import { buildPipelineSchema, pluginSchemaId } from './pipeline-schema.js';
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

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const s = JSON.stringify(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
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
  const lines = new Set<string>();
  for (const e of useful) lines.add(formatOne(e, data));
  return [...lines];
}

function formatOne(e: ErrorObject, data: unknown): string {
  const at = pointer(e.instancePath);
  const value = valueAt(data, e.instancePath);
  const p = e.params as Record<string, unknown>;
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
      return `${at}: got ${show(value)} (${Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value}); expected ${String(p['type'])}`;
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
      if (p['error'] === 'mapping') return `${at}/${String(p['tag'])}: got ${show(valueAt(data, `${e.instancePath}/${String(p['tag'])}`))}; no such option`;
      return `${at}/${String(p['tag'])}: ${e.message ?? 'invalid tag'}`;
    }
    default:
      return `${at}: got ${show(value)}; ${e.message ?? 'invalid'}`;
  }
}
