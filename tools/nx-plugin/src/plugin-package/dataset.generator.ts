import type { GeneratorCallback, Tree } from '@nx/devkit';
import { pluginPackageGenerator, type PluginPackageOptions } from './plugin-package.generator.js';

/** `nx g @kd/tools:dataset <name>`: scaffolds @kd/dataset-<name>. */
export default async function datasetGenerator(tree: Tree, options: PluginPackageOptions): Promise<GeneratorCallback> {
  return pluginPackageGenerator(tree, 'dataset', options);
}
