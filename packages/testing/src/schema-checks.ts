import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { expect } from 'vitest';

/**
 * Compiles an options schema strictly (an unknown keyword is an error and any warning fails the test), applying
 * defaults in place, with its `$schema` keyword left out as the runtime's compiler leaves it out.
 */
export function compileStrictSchema(schema: object): ValidateFunction {
  const warnings: unknown[] = [];
  const ajv = new Ajv2020({
    allErrors: true,
    strict: true,
    useDefaults: true,
    logger: { log: () => {}, warn: (...a: unknown[]) => warnings.push(a), error: () => {} },
  });
  const { $schema: _s, ...rest } = schema as { $schema?: unknown };
  const validate = ajv.compile(rest);
  expect(warnings).toEqual([]);
  return validate;
}

/** Every property has a description, and every one not listed in `unset` (options with a natural "unset") a default. */
export function expectDescribedWithDefaults(properties: object, unset: readonly string[] = []): void {
  for (const [key, p] of Object.entries(properties as Record<string, Record<string, unknown>>)) {
    expect(typeof p['description'], key).toBe('string');
    if (!unset.includes(key)) expect(p, key).toHaveProperty('default');
  }
}
