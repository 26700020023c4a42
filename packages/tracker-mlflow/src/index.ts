export { mlflowPlugin, register } from './plugin.js';
export { MlflowTracker, MLFLOW_RUN_FILE } from './mlflow.tracker.js';
export {
  MlflowClient,
  MlflowError,
  MAX_BATCH_METRICS,
  MAX_BATCH_PARAMS,
  type MlflowMetric,
  type MlflowParam,
  type MlflowRunStatus,
} from './mlflow.client.js';
export { flattenParams, MAX_PARAM_VALUE } from './flatten-params.js';
export { mlflowOptionsSchema, type MlflowOptions } from './mlflow.options.js';
