import { API_VERSION, definePlugin, registerPlugin, type TrackerPlugin } from '@kd/core';
import type { DependencyContainer } from 'tsyringe';
import { mlflowOptionsSchema, type MlflowOptions } from './mlflow.options.js';
import { MlflowTracker } from './mlflow.tracker.js';

export const mlflowPlugin: TrackerPlugin<MlflowOptions> = definePlugin({
  manifest: {
    kind: 'tracker',
    name: 'mlflow',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'MLflow tracking',
    description:
      "Logs the resolved config as params, step and epoch metrics, and the run's end status to an MLflow tracking server (REST API).",
    optionsSchema: mlflowOptionsSchema,
  },
  create: (options) => new MlflowTracker(options),
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, mlflowPlugin);
}
