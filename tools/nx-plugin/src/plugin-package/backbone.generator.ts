import type { GeneratorCallback, Tree } from '@nx/devkit';
import { pluginPackageGenerator, type PluginPackageOptions } from './plugin-package.generator.js';

/** `nx g @kd/tools:backbone <name>`: scaffolds @kd/backbone-<name>. */
export default async function backboneGenerator(tree: Tree, options: PluginPackageOptions): Promise<GeneratorCallback> {
  return pluginPackageGenerator(tree, 'backbone', options);
}
