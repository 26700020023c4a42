import { describe, expect, it } from 'vitest';
import type { KdPlugin } from '@kd/core';
import type { DependencyContainer } from 'tsyringe';
import {
  expectManifestMatchesPackageJson,
  expectNamedExportsOnly,
  expectRegistersExplicitly,
  expectStrictSchemaWithDefaults,
  strictAjv,
} from './plugin-conformance.js';

/** What a plugin package's conformance spec states about itself; the checks are the same for every plugin. */
export interface PluginConformanceCase {
  readonly plugin: KdPlugin;
  readonly register: (container: DependencyContainer) => void;
  /** The package's module (`import * as pkg from './index.js'`): it must have named exports only. */
  readonly module: object;
  /** Names the module must export, when the spec pins its public API. */
  readonly exports?: readonly string[];
  /** Manifest fields the spec pins (title, paper, version, the schema object…), compared with toEqual. */
  readonly manifest?: Readonly<Record<string, unknown>>;
  /** The shortest description an option may have, when the package holds its options to a higher bar than non-empty. */
  readonly minDescriptionLength?: number;
  /** The package directory (`join(import.meta.dirname, '..')`), whose package.json the manifest must agree with. */
  readonly packageDir: string;
  /** The options `{ name }` receives from the schema's defaults, when the spec pins them. */
  readonly defaults?: Readonly<Record<string, unknown>>;
  /** Option objects the schema must reject (wrong types, out of range, unknown keys). */
  readonly invalid?: readonly Readonly<Record<string, unknown>>[];
}

/**
 * One declarative conformance suite for a plugin package, like a lint rule tester: named exports only, explicit
 * registration, the manifest matching package.json, a strict schema that documents and defaults every option, and
 * the invalid option sets it must refuse. A package spec states its case; the checks live here once.
 */
export function describePluginConformance(c: PluginConformanceCase): void {
  const { kind, name } = c.plugin.manifest;
  describe(`${kind} plugin "${name}" conformance`, () => {
    it('has named exports only and registers by an explicit call', () => {
      expectNamedExportsOnly(c.module, c.exports);
      expectRegistersExplicitly(c.plugin, c.register);
    });

    it('agrees with its package.json (name, version, discovery stub, plugin API)', () => {
      expectManifestMatchesPackageJson(c.plugin, c.packageDir);
      for (const [key, value] of Object.entries(c.manifest ?? {})) {
        const actual = c.plugin.manifest[key as keyof KdPlugin['manifest']];
        // the schema must be the package's own object, not a copy
        if (key === 'optionsSchema') expect(actual, key).toBe(value);
        else expect(actual, key).toEqual(value);
      }
    });

    it('has a strict options schema that documents and defaults every option', () => {
      const defaults = expectStrictSchemaWithDefaults(c.plugin);
      if (c.defaults) expect(defaults).toEqual(c.defaults);
      const properties = (c.plugin.manifest.optionsSchema as { properties: Record<string, { description?: string }> }).properties;
      for (const [key, prop] of Object.entries(properties))
        expect(prop.description?.length ?? 0, key).toBeGreaterThanOrEqual(c.minDescriptionLength ?? 1);
    });

    if (c.invalid?.length)
      it.each(c.invalid.map((o) => [o] as const))('rejects %j', (options) => {
        expect(strictAjv().compile(c.plugin.manifest.optionsSchema)({ ...options })).toBe(false);
      });
  });
}
