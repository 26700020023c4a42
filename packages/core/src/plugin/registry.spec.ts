import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKdContainer, PluginRegistry, registerPlugin } from './registry.js';
import { discoverPlugins, loadPluginModule } from './discovery.js';
import type { KdPlugin } from './plugin.js';
import { KdMissingPluginError } from '../errors/errors.js';

const plugin = (apiVersion: number, name = 'toy'): KdPlugin => ({
  manifest: { kind: 'distiller', name, version: '0.3.0', apiVersion, title: 'Toy', optionsSchema: { type: 'object' } },
  create: () => ({ usesTeacher: false }),
});

describe('plugin registration', () => {
  it('registers plugins into a tsyringe container and finds them by kind and name', () => {
    const c = createKdContainer();
    registerPlugin(c, plugin(1));
    const r = PluginRegistry.fromContainer(c);
    expect(r.find('distiller', 'toy')?.manifest.version).toBe('0.3.0');
    expect(r.names('distiller')).toEqual(['toy']);
  });

  it('says clearly when a plugin is too old or too new for this core', () => {
    expect(() => registerPlugin(createKdContainer(), plugin(0))).toThrow(/too old: it targets plugin API v0.*Upgrade the plugin/);
    expect(() => registerPlugin(createKdContainer(), plugin(2))).toThrow(/too new: it targets plugin API v2.*Upgrade @kd\/core/);
  });

  it('names the npm package to install for an unknown plugin, with a suggestion', () => {
    const c = createKdContainer();
    registerPlugin(c, plugin(1, 'dkd'));
    const r = PluginRegistry.fromContainer(c);
    expect(() => r.get('distiller', 'dk', '/distiller/name')).toThrow(KdMissingPluginError);
    expect(() => r.get('distiller', 'dk', '/distiller/name')).toThrow(
      /\/distiller\/name: .*npm install @kd\/distiller-dk.*did you mean "dkd"/,
    );
  });

  it('children of a runtime container do not leak registrations into each other', () => {
    const a = createKdContainer();
    const b = createKdContainer();
    registerPlugin(a, plugin(1, 'a'));
    expect(PluginRegistry.fromContainer(b).names('distiller')).toEqual([]);
  });
});

describe('plugin discovery', () => {
  it('finds declared dependencies carrying a kd stub, without importing them, and loads them on demand', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kd-discovery-'));
    const pkg = join(root, 'node_modules', 'kd-distiller-toy');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(
      join(pkg, 'package.json'),
      JSON.stringify({
        name: 'kd-distiller-toy',
        version: '0.3.0',
        type: 'module',
        main: 'index.js',
        kd: { kind: 'distiller', name: 'toy', apiVersion: 1 },
      }),
    );
    writeFileSync(
      join(pkg, 'index.js'),
      `export const toy = { manifest: { kind: 'distiller', name: 'toy', version: '0.3.0', apiVersion: 1, title: 'Toy', optionsSchema: { type: 'object' } }, create: () => ({ usesTeacher: false }) };`,
    );
    mkdirSync(join(root, 'node_modules', 'not-a-plugin'), { recursive: true });
    writeFileSync(join(root, 'node_modules', 'not-a-plugin', 'package.json'), JSON.stringify({ name: 'not-a-plugin', version: '1.0.0' }));
    writeFileSync(
      join(root, 'package.json'),
      JSON.stringify({ name: 'user', dependencies: { 'kd-distiller-toy': '*', 'not-a-plugin': '*' } }),
    );
    const found = discoverPlugins(root);
    expect(found.map((f) => [f.packageName, f.kind, f.name, f.version])).toEqual([['kd-distiller-toy', 'distiller', 'toy', '0.3.0']]);
    const c = createKdContainer();
    await loadPluginModule(c, 'kd-distiller-toy', root);
    expect(PluginRegistry.fromContainer(c).find('distiller', 'toy')).toBeDefined();
  });
});
