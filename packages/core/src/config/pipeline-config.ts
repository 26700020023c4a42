import type { OptimizerConfig, WeightDecayOn } from '../engine/optimizer.js';
import type { RunningVariance } from '../network/batch-normalization.js';
import type { ScheduleConfig } from '../engine/schedule.js';
import type { BackendName } from '../backend/select-backend.js';

/** A plugin slot: the plugin's `name` plus its options. */
export type PluginSpec = { readonly name: string } & Readonly<Record<string, unknown>>;

/** A validated pipeline config (defaults applied). */
export interface PipelineConfig {
  readonly $schema?: string;
  readonly specVersion: 1;
  readonly description?: string;
  readonly plugins: readonly string[];
  readonly backend: BackendName;
  readonly dataset: PluginSpec;
  readonly teacher?: {
    readonly backbone: PluginSpec;
    readonly weights: string;
    readonly cache?: { readonly dir: string; readonly maxBytes: number; readonly features: boolean };
  };
  readonly student: { readonly backbone: PluginSpec; readonly init?: { readonly weights: string } };
  readonly distiller?: PluginSpec;
  readonly evaluators: readonly PluginSpec[];
  readonly trackers: readonly PluginSpec[];
  readonly training: {
    readonly epochs: number;
    readonly batchSize: number;
    readonly evalBatchSize: number;
    readonly seed: number;
    readonly optimizer: OptimizerConfig & { readonly weightDecayOn: WeightDecayOn };
    readonly schedule: ScheduleConfig;
    readonly batchNorm: { readonly runningVariance: RunningVariance };
    readonly evalEvery: number;
    readonly lossSpikeFactor: number;
  };
  readonly output: { readonly dir: string; readonly overwrite: boolean; readonly keepCheckpoints: number };
}
