import { existsSync, lstatSync, mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateFiles, names, updateJson, type GeneratorCallback, type Tree } from '@nx/devkit';

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
    throw new Error(`name: expected a kebab-case config name such as "my-kd" (lower-case letters and digits, dashes between), got "${options.name}"`);
  }
  for (const key of ['title', 'description'] as const) {
    const text = options[key];
    // The text lands in TypeScript string literals, JSON and Markdown as is (and EJS would HTML-escape these).
    if (text !== undefined && /['"\\<>&\n`]/.test(text)) {
      throw new Error(`${key}: expected plain text without quotes, backslashes, backticks, <, >, & or line breaks, got ${JSON.stringify(text)}`);
    }
  }
  const n = names(options.name);
  const title = options.title ?? n.className.replace(/([a-z0-9])([A-Z])/g, '$1 $2');
  const depth = directory.split('/').filter(Boolean).length;
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
    rootOffset: Array.from({ length: depth }, () => '..').join('/'),
    packagesOffset: posix.relative(directory, 'packages'),
    example: examples(options.name)[kind],
    tmpl: '',
  };
}

/**
 * Writes a plugin package that builds, tests, registers and trains on its own: the shared files (package.json,
 * tsconfig trio, vitest config, plugin spec, end-to-end spec) and the kind's working minimal method. The only file
 * touched outside the package is the root tsconfig.json's project references (what `nx sync` would add).
 */
export async function pluginPackageGenerator(tree: Tree, kind: PluginKind, options: PluginPackageOptions): Promise<GeneratorCallback> {
  const directory = (options.directory ?? `packages/${kind}-${options.name}`).replace(/\/+$/, '');
  const vars = templateVariables(kind, options, directory);
  if (tree.exists(directory) && tree.children(directory).length > 0) {
    throw new Error(`${directory} already exists and is not empty; choose another name or --directory`);
  }
  generateFiles(tree, join(TEMPLATE_DIR, 'common'), directory, vars);
  generateFiles(tree, join(TEMPLATE_DIR, kind), directory, vars);
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
