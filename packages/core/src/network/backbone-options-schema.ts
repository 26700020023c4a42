import type { JSONSchema } from 'json-schema-to-ts';

/**
 * The frame every backbone's options schema shares, so the strictness rules (draft 2020-12, no unknown keys, `name`
 * required and constant) are written once: the backbone adds its `name` description and its own properties. The
 * result is a literal type, so `OptionsOf<typeof schema>` derives the options as if the schema were written inline.
 */
export function backboneOptionsSchema<const N extends string, const P extends Readonly<Record<string, JSONSchema>>>(
  name: N,
  description: string,
  properties: P,
) {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: `${name} backbone options`,
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: { name: { const: name, description }, ...properties },
  } as const;
}

/**
 * `variant`: one of a table's keys, in the table's order (the zoo backbones keep their architectures in such a table,
 * so the schema's enum cannot drift from what the network builds).
 */
export function variantOption<V extends Readonly<Record<string, unknown>>, const D extends keyof V & string>(
  variants: V,
  defaultVariant: D,
  description: string,
) {
  return { enum: Object.keys(variants) as (keyof V & string)[], default: defaultVariant, description } as const;
}
