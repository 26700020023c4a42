import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_VERSION, compilePluginSchema, createKdContainer, PluginRegistry } from '@kd/core';
import { register, ieKdPlugin } from './index.js';

const packageJson = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  kd: { kind: string; name: string; apiVersion: number };
};

describe('the ie-kd plugin', () => {
  it('matches its package.json stub and registers by an explicit call', () => {
    const m = ieKdPlugin.manifest;
    expect(packageJson.name).toBe(`@kd/${m.kind}-${m.name}`);
    expect(packageJson.kd).toEqual({ kind: m.kind, name: m.name, apiVersion: API_VERSION });
    expect(m.version).toBe(packageJson.version);
    const container = createKdContainer();
    expect(PluginRegistry.fromContainer(container).find('distiller', m.name)).toBeUndefined();
    register(container);
    expect(PluginRegistry.fromContainer(container).find('distiller', m.name)).toBe(ieKdPlugin);
  });

  it('has a strict options schema in which every option has a description and a default', () => {
    const validate = compilePluginSchema(ieKdPlugin.manifest);
    const options: Record<string, unknown> = { name: ieKdPlugin.manifest.name };
    expect(validate(options)).toBe(true);
    const props = (ieKdPlugin.manifest.optionsSchema as { properties: Record<string, { description?: string; default?: unknown }> }).properties;
    for (const [k, p] of Object.entries(props)) {
      expect(p.description, k).toBeTruthy();
      if (k !== 'name') expect(options[k], k).toEqual(p.default);
    }
    expect(validate({ name: ieKdPlugin.manifest.name, nope: 1 })).toBe(false);
  });
});
