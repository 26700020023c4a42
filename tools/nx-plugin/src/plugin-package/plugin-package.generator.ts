import { existsSync, lstatSync, mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateFiles, names, updateJson, type GeneratorCallback, type Tree } from '@nx/devkit';
import { KD_API_VERSION, scaffoldManifest, type ScaffoldManifest } from './manifests.js';

export type PluginKind = 'dataset' | 'backbone' | 'distiller' | 'evaluator';
export const PLUGIN_KINDS: readonly PluginKind[] = ['dataset', 'backbone', 'distiller', 'evaluator'];

/** Options of `nx g @kd/tools:<kind> <name>` (see schema.json). */
export interface PluginPackageOptions {
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
  readonly directory?: string;
  readonly link?: boolean;
}

/** What the templates see: the names in every spelling a file needs. */
export interface TemplateVariables {
  readonly kind: PluginKind;
  /** Config name, kebab-case: `my-kd`. */
  readonly name: string;
  /** `MyKd`, `myKd`, `MY_KD`. */
  readonly className: string;
  readonly propertyName: string;
  readonly constantName: string;
  readonly packageName: string;
  readonly projectName: string;
  readonly title: string;
  readonly description: string;
  /** From the package to the workspace root, e.g. `../..`. */
  readonly rootOffset: string;
  /** From the package to packages/, spelled as `nx sync` spells project references (`..` for packages/<dir>). */
  readonly packagesOffset: string;
  /** Option values the generated specs use (TypeScript literals). */
  readonly example: KindExample;
  /** The plugin API version the package.json discovery stub declares. */
  readonly apiVersion: number;
  /** A sentence linking the docs/config page, or '' where the package has none (outside packages/). */
  readonly configDocLink: string;
  readonly tmpl: '';
}

export interface KindExample {
  /** Options a config may give (a valid slot object). */
  readonly valid: string;
  /** One option the schema must refuse: `{ key, value }`. */
  readonly invalid: string;
  /** The slot's JSON pointer in a pipeline config. */
  readonly pointer: string;
  /** The slot object of the end-to-end spec. */
  readonly e2e: string;
}

function examples(name: string): Record<PluginKind, KindExample> {
  const n = JSON.stringify(name).replace(/"/g, "'");
  return {
    distiller: {
      valid: `{ name: ${n}, temperature: 2 }`,
      invalid: `{ key: 'temperature', value: 0 }`,
      pointer: '/distiller',
      e2e: `{ name: ${n}, temperature: 4 }`,
    },
    dataset: {
      valid: `{ name: ${n}, numClasses: 3 }`,
      invalid: `{ key: 'numClasses', value: 1 }`,
      pointer: '/dataset',
      e2e: `{ name: ${n}, numClasses: 4, trainSize: 256, testSize: 128 }`,
    },
    backbone: {
      valid: `{ name: ${n}, hidden: [16] }`,
      invalid: `{ key: 'hidden', value: [0] }`,
      pointer: '/student/backbone',
      e2e: `{ name: ${n}, hidden: [32] }`,
    },
    evaluator: {
      valid: `{ name: ${n}, teacher: true }`,
      invalid: `{ key: 'teacher', value: 'yes' }`,
      pointer: '/evaluators/1',
      e2e: `{ name: ${n} }`,
    },
  };
}

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Templates live beside the sources so the generator runs from source (Nx loads local plugins without a build). */
export const TEMPLATE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'files');

const DEFAULT_DESCRIPTION: Record<PluginKind, (title: string) => string> = {
  distiller: (t) => `${t}: logit distillation (cross-entropy plus τ²-scaled KL to the teacher at temperature τ)`,
  dataset: (t) => `${t}: a seeded synthetic image dataset (one bright stripe per class, Gaussian noise)`,
  backbone: (t) => `${t}: a multilayer perceptron backbone (flatten, hidden ReLU layers, linear classifier)`,
  evaluator: (t) => `${t}: negative log-likelihood (mean cross-entropy) of the student on the evaluation split`,
};

export function templateVariables(kind: PluginKind, options: PluginPackageOptions, directory: string): TemplateVariables {
  if (!PLUGIN_KINDS.includes(kind)) throw new Error(`kind must be one of ${PLUGIN_KINDS.join(', ')}, got "${kind}"`);
  if (!NAME.test(options.name)) {
    throw new Error(
      `name: expected a kebab-case config name such as "my-kd" (lower-case letters and digits, dashes between), got "${options.name}"`,
    );
  }
  for (const key of ['title', 'description'] as const) {
    const text = options[key];
    // The text lands in TypeScript string literals, JSON and Markdown as is (and EJS would HTML-escape these).
    if (text !== undefined && /['"\\<>&\n`]/.test(text)) {
      throw new Error(
        `${key}: expected plain text without quotes, backslashes, backticks, <, >, & or line breaks, got ${JSON.stringify(text)}`,
      );
    }
  }
  const n = names(options.name);
  const title = options.title ?? n.className.replace(/([a-z0-9])([A-Z])/g, '$1 $2');
  const depth = directory.split('/').filter(Boolean).length;
  const rootOffset = Array.from({ length: depth }, () => '..').join('/');
  return {
    kind,
    name: options.name,
    className: n.className,
    propertyName: n.propertyName,
    constantName: n.constantName,
    packageName: `@kd/${kind}-${options.name}`,
    projectName: `${kind}-${options.name}`,
    title,
    description: options.description ?? DEFAULT_DESCRIPTION[kind](title),
    rootOffset,
    packagesOffset: posix.relative(directory, 'packages'),
    example: examples(options.name)[kind],
    apiVersion: KD_API_VERSION,
    configDocLink: documentedDirectory(directory)
      ? `Full reference: [docs/config/${kind}-${options.name}.md](${rootOffset}/docs/config/${kind}-${options.name}.md).`
      : '',
    tmpl: '',
  };
}

/** The docs renderer of tools/docs (plain ESM beside this plugin), loaded at run time: the same code `nx run docs:docs` runs. */
interface DocsRenderer {
  readonly MARK_START: string;
  readonly MARK_END: string;
  withOptionsTable(readme: string, manifest: ScaffoldManifest): string;
  pluginPage(manifest: ScaffoldManifest, packageName: string): string;
  withSlotPlugins(page: string, kind: PluginKind, names: readonly string[]): string;
}
export const DOCS_RENDERER = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'render.mjs');
async function docsRenderer(): Promise<DocsRenderer> {
  // A path, not a file: URL: Nx transpiles a local plugin's TypeScript to CommonJS, where this import becomes a
  // require() (of an ES module: Node >= 20.19, the workspace's engines), and require() takes no URLs.
  return (await import(/* @vite-ignore */ DOCS_RENDERER)) as DocsRenderer;
}

/** The docs target (tools/docs) documents the plugins of every directory directly under packages/. */
function documentedDirectory(directory: string): boolean {
  return /^packages\/[^/]+$/.test(directory);
}

/**
 * Writes what `nx run docs:docs` would for the new plugin, so that the repository's docs staleness test passes
 * right after `nx g` without building anything: the README's options table between its markers and, when the
 * workspace keeps a generated configuration reference (docs/config/pipeline.md) and the package sits under
 * packages/, the plugin's docs/config page and its entry in the pipeline page's list of plugins per slot.
 */
function writeDocs(tree: Tree, directory: string, vars: TemplateVariables, render: DocsRenderer): void {
  const manifest = scaffoldManifest(vars);
  const readme = `${directory}/README.md`;
  tree.write(readme, render.withOptionsTable(tree.read(readme, 'utf8') ?? `# ${vars.packageName}\n`, manifest));
  const pipeline = 'docs/config/pipeline.md';
  if (!documentedDirectory(directory) || !tree.exists(pipeline)) return;
  tree.write(`docs/config/${vars.kind}-${vars.name}.md`, render.pluginPage(manifest, vars.packageName));
  // The plugins of this kind in the order the docs target finds them: package directories sorted, each one's
  // discovery stub (which every plugin's own test keeps equal to its manifest).
  const namesOfKind: string[] = [];
  for (const dir of tree.children('packages').sort()) {
    const file = `packages/${dir}/package.json`;
    if (!tree.exists(file)) continue;
    const stub = (JSON.parse(tree.read(file, 'utf8')!) as { kd?: { kind?: string; name?: string } }).kd;
    if (stub?.kind === vars.kind && stub.name) namesOfKind.push(stub.name);
  }
  tree.write(pipeline, render.withSlotPlugins(tree.read(pipeline, 'utf8')!, vars.kind, namesOfKind));
}

/**
 * Writes a plugin package that builds, tests, registers and trains on its own: the shared files (package.json,
 * tsconfig trio, vitest config, plugin spec, end-to-end spec) and the kind's working minimal method. Outside the
 * package it touches only the root tsconfig.json's project references (what `nx sync` would add) and the generated
 * configuration reference (docs/config/<kind>-<name>.md, the plugin list of docs/config/pipeline.md: what
 * `nx run docs:docs` would write).
 */
export async function pluginPackageGenerator(tree: Tree, kind: PluginKind, options: PluginPackageOptions): Promise<GeneratorCallback> {
  const directory = (options.directory ?? `packages/${kind}-${options.name}`).replace(/\/+$/, '');
  const vars = templateVariables(kind, options, directory);
  if (tree.exists(directory) && tree.children(directory).length > 0) {
    throw new Error(`${directory} already exists and is not empty; choose another name or --directory`);
  }
  const render = await docsRenderer();
  // The README template leaves its options table empty between the renderer's markers; writeDocs fills it in.
  const files = { ...vars, optionsStart: render.MARK_START, optionsEnd: render.MARK_END };
  generateFiles(tree, join(TEMPLATE_DIR, 'common'), directory, files);
  generateFiles(tree, join(TEMPLATE_DIR, kind), directory, files);
  writeDocs(tree, directory, vars, render);
  if (tree.exists('tsconfig.json')) {
    updateJson(tree, 'tsconfig.json', (json: { references?: { path: string }[] }) => {
      const path = `./${directory}`;
      const references = json.references ?? [];
      if (!references.some((r) => r.path === path)) references.push({ path });
      return { ...json, references };
    });
  }
  const link = options.link ?? true;
  return () => {
    if (link) linkWorkspacePackage(tree.root, directory, vars.packageName);
  };
}

/** The symlink npm creates for a workspace package, so `import('@kd/<kind>-<name>')` resolves without an install. */
export function linkWorkspacePackage(root: string, directory: string, packageName: string): void {
  const link = join(root, 'node_modules', ...packageName.split('/'));
  if (!existsSync(join(root, 'node_modules'))) return;
  try {
    lstatSync(link);
    return; // already linked (or installed): leave it alone
  } catch {
    /* absent */
  }
  mkdirSync(dirname(link), { recursive: true });
  symlinkSync(relative(dirname(link), join(root, directory)), link, 'dir');
}
