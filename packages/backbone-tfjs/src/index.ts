export { tfjsPlugin, register } from './plugin.js';
export { TfjsNetwork } from './tfjs.network.js';
export { tfjsOptionsSchema, type TfjsOptions } from './tfjs.options.js';
export { readLayersModel, readModelJson, MODEL_JSON, type LayersModelFiles, type ModelJson, type ReadLimits } from './model-files.js';
export { readGraphModel, type GraphModelFiles, type GraphNodeEntry } from './graph-model-files.js';
export { GraphTeacher, type GraphTeacherSetup } from './graph-teacher.js';
export { initializeFromLayersModel, type InitOptions } from './init-from-layers-model.js';
