import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot, writeConfig } from '@kd/testing';
import { writeStudy } from './study-fixture.js';

/**
 * Writes `local-kd.mjs` into `work` — KD under another name ('local-kd'), imported from its sources since cells run kd
 * from source, so a cell trains exactly as kd — a `base-local.json` (the study base plus that plugin) and a one-cell
 * study `local-plugin.json` of it; returns the study file. `onImport` is module code that runs when the plugin is
 * imported (a witness that it was).
 */
export function writeLocalKdStudy(work: string, onImport = ''): string {
  writeFileSync(
    join(work, 'local-kd.mjs'),
    `import { kdPlugin } from ${JSON.stringify(pathToFileURL(join(repoRoot, 'packages/distiller-kd/src/index.ts')).href)};\n` +
      onImport +
      `const m = kdPlugin.manifest;\n` +
      `export const localKd = { ...kdPlugin, manifest: { ...m, name: 'local-kd', optionsSchema: { ...m.optionsSchema, properties: { ...m.optionsSchema.properties, name: { const: 'local-kd' } } } } };\n`,
  );
  const base = JSON.parse(readFileSync(join(work, 'base.json'), 'utf8')) as Record<string, unknown>;
  writeConfig(work, 'base-local.json', { ...base, plugins: ['./local-kd.mjs'] });
  return writeStudy(work, 'local-plugin.json', 'local-plugin', {
    base: 'base-local.json',
    axes: { method: [{ 'distiller.name': 'local-kd' }] },
    seeds: [0],
  });
}
