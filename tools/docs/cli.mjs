#!/usr/bin/env node
// `nx run docs:docs`: regenerates docs/config/ and the options tables of the plugin READMEs from the built plugins.
//   node tools/docs/cli.mjs [--check]     (--check: exit 1 listing stale files, write nothing)
import { mkdirSync, writeFileSync, readdirSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildPipelineSchema } from '@kd/core/host';
import { expectedDocs, staleDocs } from './generate.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const plugins = [];
for (const dir of readdirSync(join(root, 'packages')).sort()) {
  const pkgFile = join(root, 'packages', dir, 'package.json');
  if (!existsSync(pkgFile)) continue;
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
  if (!pkg.kd) continue;
  const mod = await import(pathToFileURL(join(root, 'packages', dir, 'dist/index.js')).href);
  for (const value of Object.values(mod))
    if (value && typeof value === 'object' && value.manifest?.kind && value.manifest?.optionsSchema && typeof value.create === 'function')
      plugins.push({ plugin: value, packageName: pkg.name, packageDir: join(root, 'packages', dir) });
}
const files = expectedDocs(root, plugins, buildPipelineSchema(plugins.map((p) => p.plugin.manifest)));
const stale = staleDocs(files);
if (process.argv.includes('--check')) {
  if (stale.length) {
    console.error(`stale generated docs (run nx run docs:docs):\n${stale.map((f) => `  ${f.slice(root.length + 1)}`).join('\n')}`);
    process.exit(1);
  }
  console.log(`docs up to date (${files.length} files)`);
} else {
  for (const f of files.filter((x) => stale.includes(x.path))) {
    mkdirSync(dirname(f.path), { recursive: true });
    writeFileSync(f.path, f.content);
  }
  console.log(`docs: ${stale.length} of ${files.length} files written`);
}
