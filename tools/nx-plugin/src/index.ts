export {
  pluginPackageGenerator,
  templateVariables,
  linkWorkspacePackage,
  PLUGIN_KINDS,
  TEMPLATE_DIR,
  type PluginKind,
  type PluginPackageOptions,
  type TemplateVariables,
  type KindExample,
  DOCS_RENDERER,
} from './plugin-package/plugin-package.generator.js';
export { scaffoldManifest, KD_API_VERSION, type ScaffoldManifest } from './plugin-package/manifests.js';
export { default as distillerGenerator } from './plugin-package/distiller.generator.js';
export { default as datasetGenerator } from './plugin-package/dataset.generator.js';
export { default as backboneGenerator } from './plugin-package/backbone.generator.js';
export { default as evaluatorGenerator } from './plugin-package/evaluator.generator.js';
