import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

/** Deeply readonly, keeping tuples and arrays as (readonly) tuples and arrays. */
export type DeepReadonly<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

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
export type OptionsOf<S extends JSONSchema> = DeepReadonly<FromSchema<S>>;
