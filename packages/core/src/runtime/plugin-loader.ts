import { isAbsolute, resolve } from 'node:path';
import type { DependencyContainer } from 'tsyringe';
import { PluginRegistry } from '../plugin/registry.js';
import { discoverPlugins, loadPluginModule, resolveConventional, type DiscoveredPlugin, type ModuleImporter } from '../plugin/discovery.js';
import type { PluginKind } from '../plugin/plugin.js';
import type { Logger } from '../plugin/tokens.js';
import { KdInputError, KdMissingPluginError } from '../errors/errors.js';
import { didYouMean } from '../schema/did-you-mean.js';
import { skewWarning } from '../plugin/version-skew.js';
import { coreVersion } from './provenance.js';

/** A path rather than a package name: `./x.js`, `../x`, `/abs/x.js`, `file:…`, `C:\\…`. */
function isLocalSpecifier(p: string): boolean {
  return p.startsWith('.') || isAbsolute(p) || p.startsWith('file:') || /^[A-Za-z]:[\\/]/.test(p);
}

/** The plugin slots of a raw (not yet validated) config, with their JSON pointers. */
function slots(config: Record<string, unknown>): { kind: PluginKind; name: string; pointer: string }[] {
  const out: { kind: PluginKind; name: string; pointer: string }[] = [];
  const name = (v: unknown) => (v && typeof v === 'object' ? (v as Record<string, unknown>)['name'] : undefined);
  const add = (kind: PluginKind, v: unknown, pointer: string) => {
    const n = name(v);
    if (typeof n === 'string') out.push({ kind, name: n, pointer: `${pointer}/name` });
  };
  add('dataset', config['dataset'], '/dataset');
  add('backbone', (config['teacher'] as Record<string, unknown> | undefined)?.['backbone'], '/teacher/backbone');
  add('backbone', (config['student'] as Record<string, unknown> | undefined)?.['backbone'], '/student/backbone');
  add('distiller', config['distiller'], '/distiller');
  const ev = config['evaluators'];
  if (Array.isArray(ev)) ev.forEach((e, i) => add('evaluator', e, `/evaluators/${i}`));
  const tr = config['trackers'];
  if (Array.isArray(tr)) tr.forEach((t, i) => add('tracker', t, `/trackers/${i}`));
  return out;
}

export interface PluginLoaderOptions {
  readonly root: string;
  readonly importer: ModuleImporter;
  readonly logger: Logger;
  readonly discover: boolean;
  readonly allowLocalPlugins: boolean;
}

/**
 * Finds and imports plugin packages into a container: discovered from the project's package.json, by the
 * `@kd/<kind>-<name>` convention, or listed in a config (local modules only when allowed: a plugin is code).
 */
export class PluginLoader {
  readonly discovered: readonly DiscoveredPlugin[];
  private readonly loaded = new Set<string>();
  private readonly root: string;
  private readonly importer: ModuleImporter;
  private readonly logger: Logger;
  private readonly allowLocalPlugins: boolean;

  constructor(
    private readonly container: DependencyContainer,
    options: PluginLoaderOptions,
  ) {
    this.root = options.root;
    this.importer = options.importer;
    this.logger = options.logger;
    this.allowLocalPlugins = options.allowLocalPlugins;
    this.discovered = options.discover ? discoverPlugins(this.root) : [];
  }

  get registry(): PluginRegistry {
    return PluginRegistry.fromContainer(this.container);
  }

  /** Imports and registers a plugin module (package name or path) once. */
  async load(specifier: string, from = this.root): Promise<void> {
    const key = specifier.startsWith('.') ? resolve(from, specifier) : specifier;
    if (this.loaded.has(key)) return;
    await loadPluginModule(this.container, specifier, from, this.importer);
    this.loaded.add(key);
    const d = this.discovered.find((x) => x.packageName === specifier);
    const warning = d && skewWarning(d.packageName, d.coreRange, coreVersion());
    if (warning) this.logger.warn(warning);
  }

  /**
   * Imports every discovered plugin (for `kd plugins` and `kd schema`). A package that fails to load is reported
   * and skipped, so one broken install does not hide the others.
   */
  async loadAll(): Promise<{ packageName: string; error: string }[]> {
    const failures: { packageName: string; error: string }[] = [];
    for (const d of this.discovered) {
      try {
        await this.load(d.packageName);
      } catch (e) {
        const error = (e as Error).message.split('\n')[0] ?? String(e);
        failures.push({ packageName: d.packageName, error });
        this.logger.warn(`skipping ${d.packageName}: ${error}`);
      }
    }
    return failures;
  }

  /**
   * Loads what a config needs: its explicit `plugins` and the plugin of every slot, found among the discovered
   * packages or by the `@kd/<kind>-<name>` convention. A slot naming nothing installed is reported with the
   * package to install.
   */
  async loadFor(config: unknown, baseDir: string, source = 'config'): Promise<void> {
    if (!config || typeof config !== 'object' || Array.isArray(config)) return;
    const c = config as Record<string, unknown>;
    if (Array.isArray(c['plugins']))
      for (const [i, p] of c['plugins'].entries()) {
        if (typeof p !== 'string') continue;
        if (isLocalSpecifier(p) && !this.allowLocalPlugins)
          throw new KdInputError(
            `${source}: /plugins/${i}: "${p}" is a local module, and a plugin is code: kd imports local modules only when asked to (kd --allow-local-plugins, or install it as a package)`,
          );
        await this.load(p, baseDir);
      }
    for (const s of slots(c)) {
      if (this.registry.find(s.kind, s.name)) continue;
      const d = this.discovered.find((x) => x.kind === s.kind && x.name === s.name) ?? resolveConventional(this.root, s.kind, s.name);
      if (d) await this.load(d.packageName);
      if (!this.registry.find(s.kind, s.name)) {
        const known = [
          ...new Set([...this.registry.names(s.kind), ...this.discovered.filter((x) => x.kind === s.kind).map((x) => x.name)]),
        ];
        const err = new KdMissingPluginError(s.kind, s.name, `@kd/${s.kind}-${s.name}`, `${source}: ${s.pointer}`, known);
        const hint = didYouMean(s.name, known);
        if (hint) err.message += ` — did you mean "${hint}"?`;
        throw err;
      }
    }
  }
}
