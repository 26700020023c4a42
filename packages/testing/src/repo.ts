import { resolve } from 'node:path';
import { KdRuntime, type ModuleImporter } from '@kd/core/host';

/** The repository root: its package.json lists the workspace packages that discovery finds. */
export const repoRoot = resolve(import.meta.dirname, '../../..');

/** Imports plugin packages through vite, so tests use their sources (the `@kd/source` condition). */
export const sourceImporter: ModuleImporter = (specifier) => import(/* @vite-ignore */ specifier);

/** A runtime that discovers the workspace's plugins and loads them from source, as `kd run` in the repository would. */
export function sourceRuntime(): KdRuntime {
  return new KdRuntime({ root: repoRoot, importer: sourceImporter });
}
