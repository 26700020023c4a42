// The generated documentation as a list of files: docs/config/pipeline.md, docs/config/<kind>-<name>.md, and every
// plugin README with its options table between markers. `write` writes what differs; `stale` lists it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipelinePage, pluginPage, withOptionsTable } from './render.mjs';

/**
 * @param root repository root
 * @param plugins [{ plugin, packageName, packageDir }] for every workspace plugin
 * @param pipelineSchema the composed schema of all of them
 */
export function expectedDocs(root, plugins, pipelineSchema) {
  const files = [
    {
      path: join(root, 'docs/config/pipeline.md'),
      content: pipelinePage(
        pipelineSchema,
        plugins.map((p) => p.plugin),
      ),
    },
  ];
  for (const { plugin, packageName, packageDir } of plugins) {
    const m = plugin.manifest;
    files.push({ path: join(root, 'docs/config', `${m.kind}-${m.name}.md`), content: pluginPage(m, packageName) });
    const readme = join(packageDir, 'README.md');
    const current = existsSync(readme) ? readFileSync(readme, 'utf8') : `# ${packageName}\n`;
    files.push({ path: readme, content: withOptionsTable(current, m) });
  }
  return files;
}

export function staleDocs(files) {
  return files.filter((f) => !existsSync(f.path) || readFileSync(f.path, 'utf8') !== f.content).map((f) => f.path);
}
