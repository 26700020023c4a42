import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'vitest';

/** One case of a reference fixture: named, so a failing case says which. */
export interface NamedCase {
  readonly name: string;
}

/**
 * The `cases` of a package's reference fixture, `test/fixtures/<file>` beside the spec's `src/` (pass
 * `import.meta.dirname`). Fails, naming the file, when it holds no case: an empty fixture would pass every check.
 */
export function fixtureCases<C extends NamedCase>(specDir: string, file: string): C[] {
  const path = join(specDir, '..', 'test', 'fixtures', file);
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as { cases?: unknown };
  if (!Array.isArray(parsed.cases) || parsed.cases.length === 0) throw new Error(`${path}: expected a non-empty "cases" array`);
  return parsed.cases as C[];
}

/** A `describe` block per case, titled with its name. */
export function describeCases<C extends NamedCase>(cases: readonly C[], body: (c: C) => void): void {
  describe.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => body(c));
}

/** Per-stage NHWC feature maps as a fixture stores them: `[stage][batch][height][width][channel]`. */
export type StageFeatures = number[][][][][];

/**
 * A feature-distillation fixture case: student and teacher features per stage, the student's logits and the labels,
 * and the reference's total, CE and gradients (with the method's own terms in `Expected`).
 */
export interface StageFeatureCase<Options, Expected> extends NamedCase {
  readonly options: Options;
  readonly studentFeatures: StageFeatures;
  readonly teacherFeatures: StageFeatures;
  readonly studentLogits: number[][];
  readonly labels: number[];
  readonly expected: Expected & {
    readonly total: number;
    readonly ce: number;
    readonly gradStudentFeatures: StageFeatures;
    readonly gradStudentLogits: number[][];
  };
}
