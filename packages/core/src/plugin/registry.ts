import { container as globalContainer, type DependencyContainer } from 'tsyringe';
import { API_VERSION, MIN_API_VERSION } from './api-version.js';
import type { KdPlugin, PluginKind, PluginManifest } from './plugin.js';
import { PLUGIN } from './tokens.js';
import { KdInputError, KdMissingPluginError } from '../errors/errors.js';
import { didYouMean } from '../schema/did-you-mean.js';

/** A fresh container for one kd runtime; runs create children of it. */
export function createKdContainer(parent: DependencyContainer = globalContainer): DependencyContainer {
  return parent.createChildContainer();
}

/** Fails clearly when a plugin was written for another plugin API than this core's. */
export function checkApiVersion(manifest: PluginManifest, packageName = `@kd/${manifest.kind}-${manifest.name}`): void {
  const v = manifest.apiVersion;
  if (!Number.isInteger(v)) throw new KdInputError(`${packageName}: manifest.apiVersion must be an integer, got ${JSON.stringify(v)}`);
  if (v < MIN_API_VERSION)
    throw new KdInputError(
      `${packageName}@${manifest.version} is too old: it targets plugin API v${v}, this @kd/core supports v${MIN_API_VERSION}..v${API_VERSION}. Upgrade the plugin.`,
    );
  if (v > API_VERSION)
    throw new KdInputError(
      `${packageName}@${manifest.version} is too new: it targets plugin API v${v}, this @kd/core supports v${MIN_API_VERSION}..v${API_VERSION}. Upgrade @kd/core and @kd/cli.`,
    );
}

/** Registers a plugin object into a container (what each plugin package's `register(container)` calls). */
export function registerPlugin(container: DependencyContainer, plugin: KdPlugin): void {
  checkApiVersion(plugin.manifest);
  container.register(PLUGIN, { useValue: plugin });
  plugin.services?.(container);
}

/** The plugins registered in a container, by kind and name. */
export class PluginRegistry {
  private readonly byKey = new Map<string, KdPlugin>();

  constructor(readonly plugins: readonly KdPlugin[]) {
    for (const p of plugins) {
      const key = `${p.manifest.kind}/${p.manifest.name}`;
      const prev = this.byKey.get(key);
      if (prev && prev !== p)
        throw new KdInputError(
          `two ${p.manifest.kind} plugins are named "${p.manifest.name}" (versions ${prev.manifest.version} and ${p.manifest.version}); install only one`,
        );
      this.byKey.set(key, p);
    }
  }

  static fromContainer(container: DependencyContainer): PluginRegistry {
    return new PluginRegistry(container.isRegistered(PLUGIN, true) ? container.resolveAll(PLUGIN) : []);
  }

  get manifests(): PluginManifest[] {
    return [...this.byKey.values()].map((p) => p.manifest);
  }

  names(kind: PluginKind): string[] {
    return this.manifests.filter((m) => m.kind === kind).map((m) => m.name);
  }

  find(kind: PluginKind, name: string): KdPlugin | undefined {
    return this.byKey.get(`${kind}/${name}`);
  }

  /** The plugin for a config slot, or an error naming the npm package to install. */
  get<K extends PluginKind>(kind: K, name: string, pointer: string): Extract<KdPlugin, { manifest: { kind: K } }> {
    const p = this.find(kind, name);
    if (!p) {
      const known = this.names(kind);
      const hint = didYouMean(name, known);
      const err = new KdMissingPluginError(kind, name, `@kd/${kind}-${name}`, pointer, known);
      if (hint) err.message += ` — did you mean "${hint}"?`;
      throw err;
    }
    return p as Extract<KdPlugin, { manifest: { kind: K } }>;
  }
}
