import { appendFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, beforeEach, describe, expect } from 'vitest';
import { selectBackend } from '@kd/core/host';
import { relErr } from './rel-err.js';

/** The backends a fixture block can run on: kd's production backend (wasm) and the reference one (cpu). */
export type FixtureBackend = 'cpu' | 'wasm';

/**
 * What a fixture block receives for one backend: its name, its tolerance, and the two checks, which assert
 * `relErr(actual, expected) ≤ tol` (or the `tol` given for that one check) and remember the largest error seen.
 */
export interface BackendChecks {
  readonly backend: FixtureBackend;
  readonly tol: number;
  /** A loss value (or another forward quantity) against its reference. */
  value(actual: ArrayLike<number> | number, expected: ArrayLike<number> | number, what: string, tol?: number): void;
  /** A gradient against its reference. */
  gradient(actual: ArrayLike<number> | number, expected: ArrayLike<number> | number, what: string, tol?: number): void;
}

/** Where the largest errors of each block go, one JSON line per block, when the variable names a file. */
export const FIXTURE_ERRORS_ENV = 'KD_FIXTURE_ERRORS';

/**
 * Runs `body` once per backend named in `tolerances`, each in its own `describe` block: the backend is started
 * the way a run starts it (`selectBackend`, so wasm runs kd's kernels, and oneDNN's where the addon is built),
 * checked to be the active one before every test, and the backend that was active before is restored after the
 * block. `KD_BACKEND` is ignored while the block starts, since the block says which backend it wants.
 *
 * With `KD_FIXTURE_ERRORS=<file>` each block appends `{ suite, backend, tol, value, gradient }` (the largest
 * relative errors its checks saw) to that file: how the README's parity tables are measured.
 */
export function describeOnBackends(
  suite: string,
  tolerances: Readonly<Partial<Record<FixtureBackend, number>>>,
  body: (checks: BackendChecks) => void,
): void {
  for (const [backend, tol] of Object.entries(tolerances) as [FixtureBackend, number][]) {
    describe(`${suite} on ${backend} (relative error ≤ ${tol})`, () => {
      let previous: string | undefined;
      const largest = { value: 0, gradient: 0 };
      const check =
        (kind: keyof typeof largest) =>
        (actual: ArrayLike<number> | number, expected: ArrayLike<number> | number, what: string, limit = tol) => {
          const err = relErr(actual, expected);
          // NaN must fail: it compares false with everything, so it would never raise the maximum either.
          expect(Number.isNaN(err), `${what}: NaN error`).toBe(false);
          largest[kind] = Math.max(largest[kind], err);
          expect(err, `${what} on ${backend}`).toBeLessThanOrEqual(limit);
        };
      const checks: BackendChecks = { backend, tol, value: check('value'), gradient: check('gradient') };

      beforeAll(async () => {
        previous = tf.getBackend();
        const env = process.env['KD_BACKEND'];
        delete process.env['KD_BACKEND'];
        try {
          await selectBackend(backend);
        } finally {
          if (env !== undefined) process.env['KD_BACKEND'] = env;
        }
        expect(tf.getBackend()).toBe(backend);
      });
      beforeEach(() => {
        expect(tf.getBackend(), 'the active backend').toBe(backend);
      });
      afterAll(async () => {
        const file = process.env[FIXTURE_ERRORS_ENV];
        if (file) appendFileSync(file, `${JSON.stringify({ suite, backend, tol, ...largest })}\n`);
        if (previous !== undefined && previous !== backend) {
          await tf.setBackend(previous);
          await tf.ready();
        }
      });

      body(checks);
    });
  }
}
