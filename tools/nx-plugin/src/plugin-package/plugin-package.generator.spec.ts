import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { DOCS_RENDERER, PLUGIN_KINDS, pluginPackageGenerator, scaffoldManifest, templateVariables } from '../index.js';

const workspaceRoot = join(import.meta.dirname, '..', '..', '..', '..');
const reference = JSON.parse(readFileSync(join(workspaceRoot, 'packages/distiller-kd/package.json'), 'utf8')) as Record<string, any>;

/** tools/docs/render.mjs, the renderer `nx run docs:docs` uses. */
const render = (await import(/* @vite-ignore */ pathToFileURL(DOCS_RENDERER).href)) as {
  MARK_START: string;
  MARK_END: string;
  optionsTable(schema: unknown): string;
  pluginPage(manifest: unknown, packageName: string): string;
};

function tree(): Tree {
  const t = createTreeWithEmptyWorkspace();
  t.write('tsconfig.json', JSON.stringify({ files: [], references: [{ path: './packages/core' }] }));
  return t;
}

function files(t: Tree, dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const c of t.children(d)) {
      const p = `${d}/${c}`;
      if (t.isFile(p)) out.push(p.slice(dir.length + 1));
      else walk(p);
    }
  };
  walk(dir);
  return out.sort();
}

describe.each(PLUGIN_KINDS)('nx g @kd/tools:%s', (kind) => {
  const dir = `packages/${kind}-my-thing`;

  it('writes the package layout of the existing plugins, with no template syntax left', async () => {
    const t = tree();
    await pluginPackageGenerator(t, kind, { name: 'my-thing', link: false });
    const written = files(t, dir);
    const method = { distiller: 'loss', dataset: 'dataset', backbone: 'network', evaluator: 'evaluator' }[kind];
    expect(written).toEqual(
      [
        'README.md',
        'bench/my-thing.json',
        'package.json',
        'src/index.ts',
        `src/my-thing.${method}.spec.ts`,
        `src/my-thing.${method}.ts`,
        'src/my-thing.e2e.spec.ts',
        'src/plugin.spec.ts',
        'src/plugin.ts',
        'tsconfig.json',
        'tsconfig.lib.json',
        'tsconfig.spec.json',
        'vitest.config.mts',
        // A distiller is laid out as every method package is: its options and its distiller in their own files.
        ...(kind === 'distiller' ? ['src/my-thing.options.ts', 'src/my-thing.distiller.ts'] : []),
      ].sort(),
    );
    for (const f of written) {
      const text = t.read(`${dir}/${f}`, 'utf8')!;
      expect(text, f).not.toMatch(/<%|%>|__name__|__tmpl__/);
    }
    expect(t.read(`${dir}/src/plugin.ts`, 'utf8')).toContain(`name: 'my-thing'`);
    expect(t.read(`${dir}/src/plugin.ts`, 'utf8')).toContain('myThingPlugin');
    expect(t.read(`${dir}/src/plugin.ts`, 'utf8')).toContain('export function register(container: DependencyContainer)');
  });

  it('mirrors packages/distiller-kd/package.json: exports with @kd/source, files, kd stub, peers, nx block, bench target', async () => {
    const t = tree();
    await pluginPackageGenerator(t, kind, { name: 'my-thing', link: false });
    const pkg = readJson(t, `${dir}/package.json`);
    expect(pkg.name).toBe(`@kd/${kind}-my-thing`);
    expect(Object.keys(pkg).filter((k) => k !== 'devDependencies')).toEqual(Object.keys(reference).filter((k) => k !== 'devDependencies'));
    expect(pkg.exports).toEqual(reference['exports']);
    expect(pkg.files).toEqual(reference['files']);
    expect(pkg.main).toBe(reference['main']);
    expect(pkg.types).toBe(reference['types']);
    expect(pkg.kd).toEqual({ kind, name: 'my-thing', apiVersion: 1 });
    expect(pkg.keywords).toEqual(['kd-plugin', `kd-${kind}`]);
    for (const [peer, range] of Object.entries(reference['peerDependencies'] as Record<string, string>))
      expect(pkg.peerDependencies[peer]).toBe(range);
    expect(pkg.nx.name).toBe(`${kind}-my-thing`);
    expect(pkg.nx.tags).toEqual(['type:plugin', `kind:${kind}`]);
    expect(pkg.nx.targets.bench.options.command).toContain('tools/bench/bench.mjs --name my-thing');
    expect(pkg.nx.targets.bench.options.command).toContain('my-thing=bench/my-thing.json');
    const [builds, ...rest] = pkg.nx.targets.bench.dependsOn;
    const [referenceBuilds, ...referenceRest] = reference['nx'].targets.bench.dependsOn;
    expect(rest).toEqual(referenceRest);
    // A distiller is benchmarked against kd, so distiller-kd is built too.
    expect(builds.projects).toEqual([...referenceBuilds.projects, ...(kind === 'distiller' ? ['distiller-kd'] : [])]);
    // `-c smoke` must run the seconds-long smoke bench, not fall through to the standard one (a 10,000-image teacher).
    expect(pkg.nx.targets.bench.configurations).toEqual({ smoke: { args: '--smoke' }, full: { args: '--full' } });
  });

  it('references the packages it imports as nx sync spells them', async () => {
    const t = tree();
    await pluginPackageGenerator(t, kind, { name: 'my-thing', link: false });
    expect(readJson(t, `${dir}/tsconfig.lib.json`).references.map((r: { path: string }) => r.path)).toEqual(
      ['core', 'backbone-cnn', 'dataset-idx', 'evaluator-accuracy'].map((p) => `../${p}/tsconfig.lib.json`),
    );
  });

  it('adds the project reference to the root tsconfig.json once (what nx sync would add)', async () => {
    const t = tree();
    await pluginPackageGenerator(t, kind, { name: 'my-thing', link: false });
    expect(readJson(t, 'tsconfig.json').references).toEqual([{ path: './packages/core' }, { path: `./${dir}` }]);
  });
});

describe.each(PLUGIN_KINDS)('nx g @kd/tools:%s writes the generated docs as nx run docs:docs would', (kind) => {
  const dir = `packages/${kind}-my-thing`;

  /** A tree holding this workspace's docs/config/pipeline.md and every package's package.json (their kd stubs). */
  function workspaceTree(): Tree {
    const t = tree();
    t.write('docs/config/pipeline.md', readFileSync(join(workspaceRoot, 'docs/config/pipeline.md'), 'utf8'));
    for (const d of readdirSync(join(workspaceRoot, 'packages'))) {
      try {
        t.write(`packages/${d}/package.json`, readFileSync(join(workspaceRoot, 'packages', d, 'package.json'), 'utf8'));
      } catch {
        /* not a package */
      }
    }
    return t;
  }

  it('the README’s options table between the docs markers, rendered from the plugin’s manifest', async () => {
    const t = tree();
    await pluginPackageGenerator(t, kind, { name: 'my-thing', link: false });
    const readme = t.read(`${dir}/README.md`, 'utf8')!;
    const manifest = scaffoldManifest(templateVariables(kind, { name: 'my-thing' }, dir));
    expect(readme).toContain(`${render.MARK_START}\n${render.optionsTable(manifest.optionsSchema)}\n${render.MARK_END}`);
    // In the Options section (not appended at the end), with the link to the reference page.
    expect(readme.indexOf(render.MARK_START)).toBeLessThan(readme.indexOf('## Tests'));
    expect(readme).toContain(`[docs/config/${kind}-my-thing.md](../../docs/config/${kind}-my-thing.md)`);
    // A workspace without a generated configuration reference gets no docs/ files.
    expect(t.exists('docs')).toBe(false);
  });

  it('its docs/config page and its entry in the pipeline page’s plugins-per-slot row, in directory order', async () => {
    const t = workspaceTree();
    const before = t.read('docs/config/pipeline.md', 'utf8')!;
    await pluginPackageGenerator(t, kind, { name: 'my-thing', link: false });
    const manifest = scaffoldManifest(templateVariables(kind, { name: 'my-thing' }, dir));
    expect(t.read(`docs/config/${kind}-my-thing.md`, 'utf8')).toBe(render.pluginPage(manifest, `@kd/${kind}-my-thing`));
    const after = t.read('docs/config/pipeline.md', 'utf8')!;
    const changed = after.split('\n').filter((line, i) => line !== before.split('\n')[i]);
    expect(changed).toHaveLength(1);
    const links = [...changed[0]!.matchAll(/\[([a-z0-9-]+)\]\(([a-z0-9-]+)\.md\)/g)].map((m) => m[1]);
    expect(links).toContain('my-thing');
    // The row lists plugins by package directory, as the docs target discovers them.
    const dirs = links.map((n) => `${kind}-${n}`);
    expect(dirs).toEqual([...dirs].sort());
  });

  it('outside packages/ (where the docs target does not look) only the README table', async () => {
    const t = workspaceTree();
    const before = t.read('docs/config/pipeline.md', 'utf8');
    await pluginPackageGenerator(t, kind, { name: 'my-thing', directory: 'plugins/my-thing', link: false });
    expect(t.read('plugins/my-thing/README.md', 'utf8')).toContain(render.MARK_START);
    expect(t.read('plugins/my-thing/README.md', 'utf8')).not.toContain('docs/config/');
    expect(t.exists(`docs/config/${kind}-my-thing.md`)).toBe(false);
    expect(t.read('docs/config/pipeline.md', 'utf8')).toBe(before);
  });

  it('renders from the manifest the generated plugin really has (imported from the generated source)', async () => {
    const t = tree();
    await pluginPackageGenerator(t, kind, { name: 'my-thing', link: false });
    // Written inside the workspace so that the generated sources resolve @kd/core and tfjs from its node_modules.
    mkdirSync(join(import.meta.dirname, '../../tmp'), { recursive: true });
    const out = mkdtempSync(join(import.meta.dirname, '../../tmp', `manifest-${kind}-`));
    try {
      for (const f of files(t, dir).filter((f) => f.startsWith('src/') && !f.endsWith('.spec.ts'))) {
        mkdirSync(dirname(join(out, f)), { recursive: true });
        writeFileSync(join(out, f), t.read(`${dir}/${f}`, 'utf8')!);
      }
      const mod = (await import(/* @vite-ignore */ pathToFileURL(join(out, 'src/plugin.ts')).href)) as Record<
        string,
        { manifest?: unknown }
      >;
      const plugin = Object.values(mod).find((v) => v && typeof v === 'object' && 'manifest' in v)!;
      // Includes apiVersion: the templates' API_VERSION (from @kd/core) equals the generator's KD_API_VERSION.
      expect(JSON.parse(JSON.stringify(plugin.manifest))).toEqual(scaffoldManifest(templateVariables(kind, { name: 'my-thing' }, dir)));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('pluginPackageGenerator', () => {
  it('refuses a name that is not kebab-case, naming what it expected', async () => {
    for (const bad of ['MyKd', 'my_kd', '1kd', 'kd-', '']) {
      await expect(pluginPackageGenerator(tree(), 'distiller', { name: bad, link: false })).rejects.toThrow(/kebab-case/);
    }
  });

  it('refuses a title or description that would break the generated literals', async () => {
    await expect(pluginPackageGenerator(tree(), 'distiller', { name: 'x', description: "Hinton's KD", link: false })).rejects.toThrow(
      /description: expected plain text/,
    );
    await expect(pluginPackageGenerator(tree(), 'distiller', { name: 'x', title: 'a <b>', link: false })).rejects.toThrow(
      /title: expected plain text/,
    );
  });

  it('puts a custom title and description into the manifest, package.json and README', async () => {
    const t = tree();
    await pluginPackageGenerator(t, 'distiller', { name: 'x', title: 'Ex KD', description: 'KD with an ex', link: false });
    expect(t.read('packages/distiller-x/src/plugin.ts', 'utf8')).toContain("title: 'Ex KD'");
    expect(readJson(t, 'packages/distiller-x/package.json').description).toBe('KD with an ex');
    expect(t.read('packages/distiller-x/README.md', 'utf8')).toContain('KD with an ex.');
  });

  it('refuses to write over an existing package', async () => {
    const t = tree();
    t.write('packages/distiller-kd/package.json', '{}');
    await expect(pluginPackageGenerator(t, 'distiller', { name: 'kd', link: false })).rejects.toThrow(
      'packages/distiller-kd already exists',
    );
  });

  it('honours --directory, computing the path back to the root for tsconfig and bench paths', async () => {
    const t = tree();
    await pluginPackageGenerator(t, 'evaluator', { name: 'ece', directory: 'plugins/extra/evaluator-ece', link: false });
    expect(readJson(t, 'plugins/extra/evaluator-ece/tsconfig.json').extends).toBe('../../../tsconfig.base.json');
    expect(readJson(t, 'plugins/extra/evaluator-ece/tsconfig.lib.json').references[0]).toEqual({
      path: '../../../packages/core/tsconfig.lib.json',
    });
    expect(readJson(t, 'plugins/extra/evaluator-ece/package.json').nx.targets.bench.options.command).toMatch(
      /^node \.\.\/\.\.\/\.\.\/tools\/bench/,
    );
  });

  it('derives every spelling of the name', () => {
    const v = templateVariables('distiller', { name: 'logit-kd' }, 'packages/distiller-logit-kd');
    expect([v.className, v.propertyName, v.constantName, v.packageName, v.projectName, v.rootOffset]).toEqual([
      'LogitKd',
      'logitKd',
      'LOGIT_KD',
      '@kd/distiller-logit-kd',
      'distiller-logit-kd',
      '../..',
    ]);
    expect(v.title).toBe('Logit Kd');
  });
});
