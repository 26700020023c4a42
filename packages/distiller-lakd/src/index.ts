export { lakdPlugin, register } from './plugin.js';
export {
  lakdOptionsSchema,
  NDAM_MODES,
  HARD_LOSSES,
  CONNECTOR_MODES,
  FEATURE_TAPS,
  ATTENTION_REDUCTIONS,
  type LakdOptions,
  type NdamMode,
} from './lakd.options.js';
export { LakdDistiller, LAKD_MAPS_DIR, moduleStartEpochs } from './lakd.distiller.js';
export { coarseActivationMap, coarseMapSize, ndamMap, ndamLoss, ndamWeights, type NdamMapSettings, type NdamSettings } from './ndam.js';
export { StagedTeacher, outputSource, teacherSource, type TeacherSource } from './teacher-pass.js';
export { planModules, type LocalModule } from './module-plan.js';
export { localStep, type LocalStepInput, type LocalStepResult } from './local-step.js';
export { forwardModule, moduleLoss, matchSpatial, type ObjectiveSettings } from './local-objective.js';
export { Connector } from './connector.js';
export { heatMapGrid } from './heat-map.js';
