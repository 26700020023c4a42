import { describe, expectTypeOf, it } from 'vitest';
import type { ConfigOf, OptionsOf } from './options-of.js';

// Type-level checks: `tsc -p tsconfig.spec.json` fails if a derived type drifts; at run time these are no-ops.

const shared = {
  weight: { type: 'number', minimum: 0, default: 1, description: 'A shared fragment spread into schemas.' },
} as const;

const schema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { const: 'demo' },
    ...shared,
    temperature: { type: 'number', exclusiveMinimum: 0, default: 4 },
    optional: { type: 'string' },
    head: { enum: ['gap', 'flatten'], default: 'gap' },
    channels: { type: 'array', items: { type: 'integer' }, default: [32, 64] },
    clip: {
      type: 'array',
      prefixItems: [{ type: 'number' }, { type: 'number' }],
      items: false,
      minItems: 2,
      maxItems: 2,
      default: [0.1, 10],
    },
    nested: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { steps: { type: 'integer', default: 3 } },
    },
    schedule: {
      default: { kind: 'constant' },
      oneOf: [
        {
          type: 'object',
          additionalProperties: false,
          required: ['kind'],
          properties: { kind: { const: 'constant' } },
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['kind', 'epochs'],
          properties: { kind: { const: 'ramp' }, epochs: { type: 'integer', minimum: 1 } },
        },
      ],
    },
  },
} as const;

type Demo = OptionsOf<typeof schema>;

describe('OptionsOf', () => {
  it('makes defaulted properties required and keeps the others optional', () => {
    expectTypeOf<Demo['name']>().toEqualTypeOf<'demo'>();
    expectTypeOf<Demo['weight']>().toEqualTypeOf<number>();
    expectTypeOf<Demo['temperature']>().toEqualTypeOf<number>();
    expectTypeOf<Demo>().toHaveProperty('optional');
    expectTypeOf<Pick<Demo, 'optional'>>().toEqualTypeOf<{ readonly optional?: string }>();
    expectTypeOf<Pick<Demo, 'temperature'>>().toEqualTypeOf<{ readonly temperature: number }>();
  });

  it('derives enums, arrays, draft 2020-12 tuples (prefixItems), nested objects and oneOf unions, all readonly', () => {
    expectTypeOf<Demo['head']>().toEqualTypeOf<'gap' | 'flatten'>();
    expectTypeOf<Demo['channels']>().toEqualTypeOf<readonly number[]>();
    expectTypeOf<Demo['clip']>().toEqualTypeOf<readonly [number, number]>();
    expectTypeOf<Demo['nested']>().toEqualTypeOf<{ readonly steps: number }>();
    expectTypeOf<Demo['schedule']>().toEqualTypeOf<{ readonly kind: 'constant' } | { readonly kind: 'ramp'; readonly epochs: number }>();
  });

  it('rejects unknown keys when additionalProperties is false', () => {
    expectTypeOf<Demo>().not.toHaveProperty('unknown');
  });

  it('ConfigOf keeps defaulted properties optional (what a config may leave out)', () => {
    type Config = ConfigOf<typeof schema>;
    expectTypeOf<Pick<Config, 'temperature'>>().toEqualTypeOf<{ readonly temperature?: number }>();
    expectTypeOf<Config['name']>().toEqualTypeOf<'demo'>();
    expectTypeOf<{ name: 'demo' }>().toExtend<Config>();
  });
});
