import { resolve } from 'node:path';

/** The repository root (this file is tools/bench/src/paths.ts). */
export const REPO_ROOT = resolve(import.meta.dirname, '../../..');

/** A path under the repository as the result files record it (repository-relative); others as they are. */
export const repoRelative = (p: string): string => (p.startsWith(`${REPO_ROOT}/`) ? p.slice(REPO_ROOT.length + 1) : p);
