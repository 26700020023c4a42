import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DependencyContainer } from 'tsyringe';
import { PLUGIN_KINDS, type KdPlugin, type PluginKind } from './plugin.js';
import { registerPlugin } from './registry.js';
import { KdInputError } from '../errors/errors.js';

/** The `kd` stub of a plugin package's package.json: enough to list it without importing it. */
export interface DiscoveredPlugin {
  readonly packageName: string;
  readonly version: string;
  readonly kind: PluginKind;
  readonly name: string;
  readonly apiVersion: number;
  /** Absolute path of the package.json. */
  readonly packageJson: string;
  /** The `@kd/core` peer range the plugin was built against. */
  readonly coreRange?: string | undefined;
}

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

/** Workspace package directories named by `workspaces` globs of the form `dir/*` or `dir`. */
function workspaceDirs(root: string, pkg: Record<string, unknown>): string[] {
  const ws = pkg['workspaces'];
  const globs = Array.isArray(ws)
    ? ws
    : Array.isArray((ws as { packages?: unknown })?.packages)
      ? (ws as { packages: string[] }).packages
      : [];
  const dirs: string[] = [];
  for (const g of globs as string[]) {
    if (g.endsWith('/*')) {
      const base = join(root, g.slice(0, -2));
      if (existsSync(base)) for (const d of readdirSync(base)) dirs.push(join(base, d));
    } else dirs.push(join(root, g));
  }
  return dirs.filter((d) => existsSync(join(d, 'package.json')));
}

function stub(packageJson: string): DiscoveredPlugin | undefined {
  const meta = readJson(packageJson);
  const kd = meta['kd'] as Record<string, unknown> | undefined;
  if (!kd || !PLUGIN_KINDS.includes(kd['kind'] as PluginKind)) return undefined;
  return {
    packageName: String(meta['name']),
    version: String(meta['version']),
    kind: kd['kind'] as PluginKind,
    name: String(kd['name']),
    apiVersion: Number(kd['apiVersion']),
    packageJson,
    coreRange: (meta['peerDependencies'] as Record<string, string> | undefined)?.['@kd/core'],
  };
}

/**
 * Plugin packages of the user's project: its declared dependencies (and, in a workspace root, its workspace
 * packages) whose package.json carries a `kd` stub. node_modules is never crawled, so what is listed is what
 * the project asked for.
 */
export function discoverPlugins(root = process.cwd()): DiscoveredPlugin[] {
  const pkgFile = join(root, 'package.json');
  if (!existsSync(pkgFile)) return [];
  const pkg = readJson(pkgFile);
  const require = createRequire(pkgFile);
  const found = new Map<string, DiscoveredPlugin>();
  const names = Object.keys({
    ...(pkg['dependencies'] as object),
    ...(pkg['devDependencies'] as object),
    ...(pkg['optionalDependencies'] as object),
  });
  for (const name of names) {
    let file: string;
    try {
      file = require.resolve(`${name}/package.json`);
    } catch {
      continue;
    }
    const s = stub(file);
    if (s) found.set(s.packageName, s);
  }
  for (const dir of workspaceDirs(root, pkg)) {
    const s = stub(join(dir, 'package.json'));
    if (s && !found.has(s.packageName)) found.set(s.packageName, s);
  }
  return [...found.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
}

/** Resolves an installed package by the `@kd/<kind>-<name>` convention, from the user's project. */
export function resolveConventional(root: string, kind: PluginKind, name: string): DiscoveredPlugin | undefined {
  const require = createRequire(join(root, 'package.json'));
  for (const packageName of [`@kd/${kind}-${name}`, `kd-${kind}-${name}`]) {
    try {
      const s = stub(require.resolve(`${packageName}/package.json`));
      if (s) return s;
    } catch {
      /* not installed */
    }
  }
  return undefined;
}

/** How a plugin module is imported; tests swap in a source-resolving importer. */
export type ModuleImporter = (specifier: string, root: string) => Promise<Record<string, unknown>>;

export const nodeImporter: ModuleImporter = async (specifier, root) => {
  let target: string;
  if (specifier.startsWith('.') || specifier.startsWith('/')) target = pathToFileURL(resolve(root, specifier)).href;
  else target = pathToFileURL(createRequire(join(root, 'package.json')).resolve(specifier)).href;
  return (await import(target)) as Record<string, unknown>;
};

function isPlugin(v: unknown): v is KdPlugin {
  const m = (v as KdPlugin | undefined)?.manifest;
  return !!m && typeof m === 'object' && typeof m.kind === 'string' && typeof (v as KdPlugin).create === 'function';
}

/**
 * Imports a plugin module and registers what it offers: its `register(container)` when exported
 * (the convention), otherwise every exported plugin object.
 */
export async function loadPluginModule(
  container: DependencyContainer,
  specifier: string,
  root: string,
  importer: ModuleImporter = nodeImporter,
): Promise<void> {
  let mod: Record<string, unknown>;
  try {
    mod = await importer(specifier, root);
  } catch (e) {
    throw new KdInputError(`cannot load plugin module "${specifier}" from ${root}: ${(e as Error).message}`);
  }
  if (typeof mod['register'] === 'function') {
    (mod['register'] as (c: DependencyContainer) => void)(container);
    return;
  }
  const plugins = Object.values(mod).filter(isPlugin);
  if (plugins.length === 0) throw new KdInputError(`plugin module "${specifier}" exports neither register(container) nor a plugin object`);
  for (const p of plugins) registerPlugin(container, p);
}
