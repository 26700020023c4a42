import { KdInputError } from '@kd/core';
import { datasetOptions } from './dataset-options.js';

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { const: 'toy', description: 'The plugin.' },
    size: { type: 'integer', minimum: 1, default: 28, description: 'Side.' },
    nested: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Nested defaults.',
      properties: { pad: { type: 'integer', default: 0, description: 'Pad.' } },
    },
    a: { type: 'boolean', description: 'A.' },
    b: { type: 'boolean', description: 'B.' },
  },
  allOf: [{ description: '"a" and "b" exclude each other', not: { properties: { a: true, b: true }, required: ['a', 'b'] } }],
} as const;

describe('datasetOptions', () => {
  it("applies the schema's defaults, nested ones too, and leaves the caller's object as it was", () => {
    const config = { name: 'toy', b: undefined };
    expect(datasetOptions(schema, config, 'toy')).toEqual({ name: 'toy', size: 28, nested: { pad: 0 } });
    expect(config).toEqual({ name: 'toy', b: undefined });
  });

  it('rejects invalid options with a KdInputError naming the pointer, and a `not` rule by its description', () => {
    const e = (() => {
      try {
        return datasetOptions(schema, { name: 'toy', size: 0, a: true, b: true }, 'toy');
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(KdInputError);
    expect((e as Error).message).toBe('dataset "toy": invalid options\n  /: "a" and "b" exclude each other\n  /size: must be >= 1');
  });
});
