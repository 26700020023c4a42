import { KdInputError } from '../errors/errors.js';
import { RUN_CONFIG } from './tokens.js';
import type { FactoryContext } from './plugin.js';

/**
 * Fails at assembly, before any training, when the run has no teacher: an evaluator that compares the student with
 * a teacher would otherwise fail only at the first evaluation. Outside a run (no config in the container) the check
 * waits for `evaluate`.
 */
export function checkRunHasTeacher(context: FactoryContext, evaluator: string): void {
  if (!context.container.isRegistered(RUN_CONFIG, true)) return;
  const config = context.container.resolve(RUN_CONFIG);
  if (config['teacher']) return;
  const list = Array.isArray(config['evaluators']) ? (config['evaluators'] as { name?: unknown }[]) : [];
  const i = list.findIndex((e) => e?.name === evaluator);
  throw new KdInputError(
    `/evaluators/${i < 0 ? '?' : i}: the "${evaluator}" evaluator compares the student with a teacher, and this config has none; add a teacher section or remove the evaluator`,
  );
}
