import { expect } from 'vitest';
import { isInputError } from '@kd/core';

/** Awaits a promise that must reject with a KdInputError, and returns the error's message for the test to check. */
export async function inputErrorMessage(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isInputError(e), String(e)).toBe(true);
  return (e as Error).message;
}
