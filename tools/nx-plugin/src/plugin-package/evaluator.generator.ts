import type { GeneratorCallback, Tree } from '@nx/devkit';
import { pluginPackageGenerator, type PluginPackageOptions } from './plugin-package.generator.js';

/** `nx g @kd/tools:evaluator <name>`: scaffolds @kd/evaluator-<name>. */
export default async function evaluatorGenerator(tree: Tree, options: PluginPackageOptions): Promise<GeneratorCallback> {
  return pluginPackageGenerator(tree, 'evaluator', options);
}
