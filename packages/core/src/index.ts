import 'reflect-metadata';

export { API_VERSION, MIN_API_VERSION } from './plugin/api-version.js';
export {
  definePlugin,
  PLUGIN_KINDS,
  type PluginKind,
  type PluginManifest,
  type PaperReference,
  type JsonSchema,
  type KdPlugin,
  type DatasetPlugin,
  type BackbonePlugin,
  type DistillerPlugin,
  type EvaluatorPlugin,
  type FactoryContext,
  type DatasetFactory,
  type BackboneFactory,
  type DistillerFactory,
  type EvaluatorFactory,
} from './plugin/plugin.js';
export { PLUGIN, RUN_CONFIG, LOGGER, type Logger } from './plugin/tokens.js';
export type { Batch, BatchOptions, Dataset, DatasetInfo, DatasetSplit, SplitName } from './contracts/dataset.js';
export type {
  Network,
  NetworkOutput,
  ForwardOptions,
  TrainableModule,
  NamedVariable,
  StageInfo,
  BackboneContext,
} from './contracts/network.js';
export type {
  Distiller,
  DistillerSetup,
  LossInputs,
  LossTerms,
  StagePlan,
  StepContext,
  StepInfo,
} from './contracts/distiller.js';
export type { Evaluator, EvaluationContext, Metrics } from './contracts/evaluator.js';
export { KdInputError, KdMissingPluginError, isInputError } from './errors/errors.js';
export { Rng, hashString } from './rng/rng.js';
export { RunEvents, type RunEventMap } from './engine/events.js';
export { Optimizer, type OptimizerConfig, type ParamRef } from './engine/optimizer.js';
