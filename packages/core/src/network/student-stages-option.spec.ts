import { describe, expect, expectTypeOf, it } from 'vitest';
import type { OptionsOf } from '../plugin/options-of.js';
import { createAjv } from '../schema/validator.js';
import { teacherStagesOption } from './stage-options.js';
import { studentStagesOption } from './student-stages-option.js';

const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    stages: { ...studentStagesOption, description: 'A method’s own wording.' },
    teacherStages: teacherStagesOption,
  },
} as const;

describe('studentStagesOption', () => {
  const validate = createAjv().compile(schema);

  it('defaults to the empty list (pair every shared stage)', () => {
    const options: Record<string, unknown> = {};
    expect(validate(options)).toBe(true);
    expect(options).toEqual({ stages: [], teacherStages: [] });
  });

  it('takes a list of stage names and refuses empty names or a bare string', () => {
    expect(validate({ stages: ['stage2', 'stage3_preact'] })).toBe(true);
    expect(validate({ stages: [''] })).toBe(false);
    expect(validate({ stages: 'stage2' })).toBe(false);
    expect(validate({ stages: [2] })).toBe(false);
  });

  it('keeps its key order when a method writes its own description over it', () => {
    expect(Object.keys(schema.properties.stages)).toEqual(['type', 'items', 'default', 'description']);
    expect(schema.properties.stages.description).toBe('A method’s own wording.');
    expect(studentStagesOption.description.length).toBeGreaterThan(0);
  });

  it('derives a list of strings', () => {
    expectTypeOf<OptionsOf<typeof schema>['stages']>().toEqualTypeOf<readonly string[]>();
  });
});
