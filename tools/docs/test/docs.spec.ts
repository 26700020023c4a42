import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type KdPlugin } from '@kd/core';
import { buildPipelineSchema } from '@kd/core/host';
import { expectedDocs, staleDocs } from '../generate.mjs';
import { MARK_END, MARK_START, optionRows, optionsTable, typeOf, withOptionsTable } from '../render.mjs';

const root = resolve(import.meta.dirname, '../../..');

/** Every workspace plugin, imported from source (the `@kd/source` condition), as the docs target sees it built. */
async function workspacePlugins() {
  const found: { plugin: KdPlugin; packageName: string; packageDir: string }[] = [];
  for (const dir of readdirSync(join(root, 'packages')).sort()) {
    const file = join(root, 'packages', dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name: string; kd?: unknown };
    if (!pkg.kd) continue;
    const mod = (await import(/* @vite-ignore */ pkg.name)) as Record<string, unknown>;
    for (const value of Object.values(mod)) {
      const v = value as Partial<KdPlugin> | undefined;
      if (v && typeof v === 'object' && v.manifest?.optionsSchema && typeof v.create === 'function')
        found.push({ plugin: v as KdPlugin, packageName: pkg.name, packageDir: join(root, 'packages', dir) });
    }
  }
  return found;
}

describe('generated documentation', () => {
  it('docs/config/ and every plugin README’s options table match the schemas (else: npx nx run docs:docs)', async () => {
    const plugins = await workspacePlugins();
    expect(plugins.length).toBeGreaterThanOrEqual(20);
    const files = expectedDocs(root, plugins, buildPipelineSchema(plugins.map((p) => p.plugin.manifest)));
    const stale = staleDocs(files).map((f: string) => f.slice(root.length + 1));
    expect(stale, `stale generated docs; run: npx nx run docs:docs`).toEqual([]);
  });

  it('flattens nested options with dotted names, defaults and ranges', () => {
    const schema = {
      type: 'object',
      required: ['name'],
      properties: {
        name: { const: 'x', description: 'Selects x.' },
        beta: { type: 'number', minimum: 0, default: 8, description: 'Weight | of NCKD.' },
        ndam: { type: 'object', default: {}, properties: { mode: { enum: ['loss', 'off'], default: 'loss', description: 'How.' } } },
        stages: { type: ['array', 'null'], items: { type: 'string' }, default: null, description: 'Which.' },
      },
    };
    expect(optionRows(schema)).toEqual([
      { name: 'name', type: '`"x"`', default: '(required)', range: '', description: 'Selects x.' },
      { name: 'beta', type: 'number', default: '8', range: '≥ 0', description: 'Weight | of NCKD.' },
      { name: 'ndam', type: 'object', default: '—', range: '', description: '' },
      { name: 'ndam.mode', type: '`"loss"` \\| `"off"`', default: '"loss"', range: '', description: 'How.' },
      { name: 'stages', type: 'array of string \\| null', default: 'null', range: '', description: 'Which.' },
    ]);
    // A pipe inside a description must not split the Markdown cell.
    expect(optionsTable(schema)).toContain('Weight \\| of NCKD.');
    expect(typeOf({ oneOf: [{ enum: ['off', 'linear'] }, { type: 'array', items: { type: 'integer' } }] })).toBe(
      '`"off"` \\| `"linear"` \\| array of integer',
    );
  });

  it('replaces the table between the markers and leaves the rest of a README alone; appends it when missing', () => {
    const manifest = {
      kind: 'distiller',
      name: 'x',
      optionsSchema: { type: 'object', properties: { a: { type: 'number', default: 1, description: 'A.' } } },
    };
    const fresh = withOptionsTable('# @kd/distiller-x\n\nProse.\n', manifest);
    expect(fresh).toContain('Prose.');
    expect(fresh).toContain(MARK_START);
    expect(fresh).toContain('| `a` | number | `1` |  | A. |');
    const edited = fresh.replace('| `a` | number | `1` |  | A. |', '| stale |') + '\n## After\n';
    const again = withOptionsTable(edited, manifest);
    expect(again).toBe(fresh + '\n## After\n');
    expect(withOptionsTable(again, manifest)).toBe(again);
    expect(again.indexOf(MARK_END)).toBeGreaterThan(again.indexOf(MARK_START));
  });
});
