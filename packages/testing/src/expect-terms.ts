import type * as tf from '@tensorflow/tfjs-core';
import type { BackendChecks } from './describe-on-backends.js';

/**
 * Each named scalar term of a loss against the fixture's value of the same name, under the backend's tolerance.
 * A term missing from either side fails (as an undefined value), so a renamed term cannot pass silently.
 */
export function expectTermValues(b: BackendChecks, terms: object, expected: object, names: readonly string[]): void {
  const t = terms as Readonly<Record<string, tf.Tensor | undefined>>;
  const e = expected as Readonly<Record<string, number>>;
  for (const name of names) b.value(t[name]!.dataSync()[0]!, e[name]!, name);
}
