import { API_VERSION, definePlugin, registerPlugin, type TrackerPlugin } from '@kd/core';
import type { DependencyContainer } from 'tsyringe';
import { jsonlOptionsSchema, type JsonlOptions } from './jsonl.options.js';
import { JsonlTracker } from './jsonl.tracker.js';

export const jsonlPlugin: TrackerPlugin<JsonlOptions> = definePlugin({
  manifest: {
    kind: 'tracker',
    name: 'jsonl',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'JSONL / CSV event log',
    description: 'Appends one record per training step and per epoch to events.jsonl (and events.csv in long form) in the run directory.',
    optionsSchema: jsonlOptionsSchema,
  },
  create: (options) => new JsonlTracker(options),
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, jsonlPlugin);
}
