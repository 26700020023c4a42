export { tfjsPlugin, register } from './plugin.js';
export { TfjsNetwork } from './tfjs.network.js';
export { tfjsOptionsSchema, type TfjsOptions } from './tfjs.options.js';
export { readLayersModel, MODEL_JSON, type LayersModelFiles, type ReadLimits } from './model-files.js';
export { initializeFromLayersModel, type InitOptions } from './init-from-layers-model.js';
