import type { GeneratorCallback, Tree } from '@nx/devkit';
import { pluginPackageGenerator, type PluginPackageOptions } from './plugin-package.generator.js';

/** `nx g @kd/tools:distiller <name>`: scaffolds @kd/distiller-<name>. */
export default async function distillerGenerator(tree: Tree, options: PluginPackageOptions): Promise<GeneratorCallback> {
  return pluginPackageGenerator(tree, 'distiller', options);
}
