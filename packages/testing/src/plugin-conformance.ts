import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect } from 'vitest';
import { API_VERSION, createKdContainer, PluginRegistry, type KdPlugin } from '@kd/core';
import type { DependencyContainer } from 'tsyringe';

export interface PluginPackageJson {
  readonly name: string;
  readonly version: string;
  readonly kd: { readonly kind: string; readonly name: string; readonly apiVersion: number };
}

/** The package.json of the package at `packageDir` (a spec passes `join(import.meta.dirname, '..')`). */
export function readPackageJson(packageDir: string): PluginPackageJson {
  return JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as PluginPackageJson;
}

/** Strict like the runtime's compiler (unknown keywords fail), with defaults applied in place. */
export const strictAjv = (): Ajv2020 => new Ajv2020({ strict: true, useDefaults: true });

/** The package's module has no default export (importing it must not pick one) and exports every listed name. */
export function expectNamedExportsOnly(module: object, names: readonly string[] = []): void {
  expect(module).not.toHaveProperty('default');
  for (const name of names) expect(module, name).toHaveProperty(name);
}

/**
 * The manifest agrees with the `kd` stub discovery reads from package.json (kind, name, plugin API) and with the
 * package's name and version, so a discovered plugin is the one the package registers.
 */
export function expectManifestMatchesPackageJson(plugin: KdPlugin, packageDir: string): void {
  const m = plugin.manifest;
  const packageJson = readPackageJson(packageDir);
  expect(m.apiVersion).toBe(API_VERSION);
  expect(packageJson.name).toBe(`@kd/${m.kind}-${m.name}`);
  expect(packageJson.kd).toEqual({ kind: m.kind, name: m.name, apiVersion: API_VERSION });
  expect(packageJson.version).toBe(m.version);
}

/** Registration is an explicit call: a fresh container lacks the plugin until `register(container)` adds it. */
export function expectRegistersExplicitly(plugin: KdPlugin, register: (container: DependencyContainer) => void): void {
  const { kind, name } = plugin.manifest;
  const c = createKdContainer();
  expect(PluginRegistry.fromContainer(c).find(kind, name)).toBeUndefined();
  register(c);
  expect(PluginRegistry.fromContainer(c).find(kind, name)).toBe(plugin);
}

/**
 * The options schema compiles strictly; every option has a description and every option but `name` a default;
 * `{ name }` alone validates and receives each default; an unknown option is rejected. Returns the defaulted
 * options, for the package's own check of their values.
 */
export function expectStrictSchemaWithDefaults(plugin: KdPlugin): Record<string, unknown> {
  const schema = plugin.manifest.optionsSchema as { properties: Record<string, { description?: unknown; default?: unknown }> };
  const validate = strictAjv().compile(schema);
  const options: Record<string, unknown> = { name: plugin.manifest.name };
  expect(validate(options), JSON.stringify(validate.errors)).toBe(true);
  for (const [key, prop] of Object.entries(schema.properties)) {
    expect(typeof prop.description, key).toBe('string');
    expect(prop.description, key).toBeTruthy();
    if (key === 'name') continue;
    expect(prop, key).toHaveProperty('default');
    expect(options[key], key).toEqual(prop.default);
  }
  expect(validate({ name: plugin.manifest.name, notAnOption: 1 })).toBe(false);
  return options;
}
