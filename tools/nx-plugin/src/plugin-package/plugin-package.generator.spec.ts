import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { PLUGIN_KINDS, pluginPackageGenerator, templateVariables } from '../index.js';

const workspaceRoot = join(import.meta.dirname, '..', '..', '..', '..');
const reference = JSON.parse(readFileSync(join(workspaceRoot, 'packages/distiller-kd/package.json'), 'utf8')) as Record<string, any>;

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
    for (const [peer, range] of Object.entries(reference['peerDependencies'] as Record<string, string>)) expect(pkg.peerDependencies[peer]).toBe(range);
    expect(pkg.nx.name).toBe(`${kind}-my-thing`);
    expect(pkg.nx.tags).toEqual(['type:plugin', `kind:${kind}`]);
    expect(pkg.nx.targets.bench.options.command).toContain('tools/bench/bench.mjs --name my-thing');
    expect(pkg.nx.targets.bench.options.command).toContain('my-thing=bench/my-thing.json');
    const [builds, ...rest] = pkg.nx.targets.bench.dependsOn;
    const [referenceBuilds, ...referenceRest] = reference['nx'].targets.bench.dependsOn;
    expect(rest).toEqual(referenceRest);
    // A distiller is benchmarked against kd, so distiller-kd is built too.
    expect(builds.projects).toEqual([...referenceBuilds.projects, ...(kind === 'distiller' ? ['distiller-kd'] : [])]);
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

describe('pluginPackageGenerator', () => {
  it('refuses a name that is not kebab-case, naming what it expected', async () => {
    for (const bad of ['MyKd', 'my_kd', '1kd', 'kd-', '']) {
      await expect(pluginPackageGenerator(tree(), 'distiller', { name: bad, link: false })).rejects.toThrow(/kebab-case/);
    }
  });

  it('refuses a title or description that would break the generated literals', async () => {
    await expect(pluginPackageGenerator(tree(), 'distiller', { name: 'x', description: "Hinton's KD", link: false })).rejects.toThrow(/description: expected plain text/);
    await expect(pluginPackageGenerator(tree(), 'distiller', { name: 'x', title: 'a <b>', link: false })).rejects.toThrow(/title: expected plain text/);
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
    await expect(pluginPackageGenerator(t, 'distiller', { name: 'kd', link: false })).rejects.toThrow('packages/distiller-kd already exists');
  });

  it('honours --directory, computing the path back to the root for tsconfig and bench paths', async () => {
    const t = tree();
    await pluginPackageGenerator(t, 'evaluator', { name: 'ece', directory: 'plugins/extra/evaluator-ece', link: false });
    expect(readJson(t, 'plugins/extra/evaluator-ece/tsconfig.json').extends).toBe('../../../tsconfig.base.json');
    expect(readJson(t, 'plugins/extra/evaluator-ece/tsconfig.lib.json').references[0]).toEqual({ path: '../../../packages/core/tsconfig.lib.json' });
    expect(readJson(t, 'plugins/extra/evaluator-ece/package.json').nx.targets.bench.options.command).toMatch(/^node \.\.\/\.\.\/\.\.\/tools\/bench/);
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
