import { createHash } from 'node:crypto';
import { stableStringify } from '@kd/core';

/**
 * The content hash of a cell: sha256 of its resolved config (defaults applied, as the run will record it in
 * config.json) without the output location, and of the kd version that runs it. Two cells with one hash are the same
 * run, whatever their names; a finished run with the cell's hash is the cell's result.
 */
export function cellHash(config: unknown, kdVersion: string): string {
  const c = structuredClone(config) as Record<string, unknown>;
  const output = c['output'];
  if (output && typeof output === 'object') {
    const { dir: _dir, ...rest } = output as Record<string, unknown>;
    c['output'] = rest;
  }
  return createHash('sha256')
    .update(stableStringify({ kd: kdVersion, config: c }))
    .digest('hex');
}
