import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

/** Deeply readonly, keeping tuples and arrays as (readonly) tuples and arrays. */
export type DeepReadonly<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/**
 * json-schema-to-ts reads tuples in the draft-07 spelling (`items: [...]`, `additionalItems`), while kd validates
 * with draft 2020-12 (`prefixItems`, `items`); this renames the 2020-12 keywords, at every depth, before FromSchema.
 */
export type Draft07Tuples<S> = S extends readonly unknown[]
  ? { [K in keyof S]: Draft07Tuples<S[K]> }
  : S extends { readonly prefixItems: readonly unknown[] }
    ? { [K in keyof S as K extends 'prefixItems' ? 'items' : K extends 'items' ? 'additionalItems' : K]: Draft07Tuples<S[K]> }
    : S extends object
      ? { [K in keyof S]: Draft07Tuples<S[K]> }
      : S;

/**
 * The options a plugin's factory receives, derived from its options schema (declare the schema `as const`).
 *
 * Factories are called with options that ajv has already validated and completed with the schema's `default`s, so
 * a property with a `default` is required here even when the schema leaves it out of `required` (FromSchema's
 * default behaviour); the schema is the only place a default is written. Readonly because the same object is the
 * run's recorded config.
 *
 * ```ts
 * export const myOptionsSchema = { type: 'object', required: ['name'], properties: { … } } as const;
 * export type MyOptions = OptionsOf<typeof myOptionsSchema>;
 * ```
 */
export type OptionsOf<S extends JSONSchema> = Draft07Tuples<S> extends infer D extends JSONSchema ? DeepReadonly<FromSchema<D>> : never;

/**
 * The same options as a config or a direct caller writes them: properties with a `default` stay optional. For
 * helpers that accept both validated options and hand-written ones (e.g. a schema fragment shared by plugins).
 */
export type ConfigOf<S extends JSONSchema> =
  Draft07Tuples<S> extends infer D extends JSONSchema ? DeepReadonly<FromSchema<D, { keepDefaultedPropertiesOptional: true }>> : never;
