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
  StepOptimizer,
  StepInfo,
  StudentHead,
} from './contracts/distiller.js';
export type { Evaluator, EvaluationContext, Metrics } from './contracts/evaluator.js';
export { KdInputError, KdMissingPluginError, KdRunError, isInputError, isRunError } from './errors/errors.js';
export { Rng, hashString } from './rng/rng.js';
export { RunEvents, type RunEventMap } from './engine/events.js';
export type { RunEventSource, RunEventListener } from './contracts/run-events.js';
export { Optimizer, type OptimizerConfig, type ParamRef } from './engine/optimizer.js';
export { createKdContainer, registerPlugin, checkApiVersion, PluginRegistry } from './plugin/registry.js';
export { discoverPlugins, resolveConventional, loadPluginModule, nodeImporter, type DiscoveredPlugin, type ModuleImporter } from './plugin/discovery.js';
export { buildPipelineSchema, pluginSchemaId, PIPELINE_SPEC_VERSION } from './schema/pipeline-schema.js';
export { createPipelineValidator, compilePluginSchema, createAjv, type PipelineValidator } from './schema/validator.js';
export { didYouMean, editDistance } from './schema/did-you-mean.js';
export { readJsonFile } from './config/load-config.js';
export { applyOverrides, parseOverride, type ConfigOverride } from './config/overrides.js';
export type { PipelineConfig, PluginSpec } from './config/pipeline-config.js';
export { selectBackend, type BackendChoice, type BackendName } from './backend/select-backend.js';
export { initializeVariable, initialValues, fans, type InitializerSpec } from './engine/initializers.js';
export { learningRate, type ScheduleConfig } from './engine/schedule.js';
export { crossEntropy } from './engine/losses.js';
export { Trainer, type NamedEvaluator, type TrainerInput, type TrainerResult } from './engine/trainer.js';
export { RunDirectory, RUN_FILES, RUN_MARKER, type FreshStart } from './engine/run-directory.js';
export { RunLock, LOCK_FILE } from './engine/run-lock.js';
export { TrainingStopped, SIGNAL_EXIT_CODES, type StopRequest, type StopSignal } from './engine/training-stopped.js';
export { writeFileAtomic, writeDirAtomic } from './io/atomic.js';
export { saveNetwork, loadNetwork, NETWORK_FILE } from './io/network-weights.js';
export { saveCheckpoint, loadCheckpoint, latestCheckpoint, type TrainingPosition, type LoadedCheckpoint } from './io/checkpoint.js';
export { stableStringify } from './io/stable-json.js';
export {
  readRunSummary,
  readMetrics,
  parseMetrics,
  readProvenance,
  readNetworkFile,
  type EpochRecord,
  type MetricsParse,
  type Provenance,
  type NetworkFile,
  type RunSummary,
  type RunStatus,
  type RunFailure,
  type RunFailureKind,
  type RunWarning,
} from './io/run-files.js';
export { KdRuntime, coreVersion, type RuntimeOptions, type RunOptions, type RunResult, type AssembledPipeline } from './runtime/kd-runtime.js';
export { Session, type SessionStepOptions } from './runtime/session.js';
export { trainingStep, type StepParts, type StepResult } from './engine/training-step.js';
export { describeNetwork, type PipelinePlan, type NetworkPlan } from './runtime/plan.js';
export { satisfiesSimpleRange, skewWarning } from './plugin/version-skew.js';
export type { OptionsOf, ConfigOf } from './plugin/options-of.js';
export { klDivergence } from './engine/kl-divergence.js';
export { batchNormalization } from './network/batch-normalization.js';
export { LayersNetwork, initializeLikePyTorch, type BuiltLayersModel } from './network/layers-network.js';
export { deployedStudent } from './engine/trainer.js';
export {
  fileSaveHandler,
  fileLoadHandler,
  registerFileRouter,
  loadLayersModelFromDir,
  saveLayersModelToDir,
  LAYERS_MODEL_FILES,
} from './io/layers-file-handler.js';
export { linearCka } from './metrics/linear-cka.js';
export type { DistillerEvaluation } from './contracts/distiller.js';
export { writeRunArtifact } from './io/run-artifact.js';
export { stopGradient } from './engine/stop-gradient.js';
export { probeFeatures, requireSpatialFeature, featureName, FEATURE_KINDS, type FeatureKind } from './network/probe-features.js';
export { checkRunHasTeacher } from './plugin/teacher-required.js';
export { isLayersModelDir, loadLayersModelWeights } from './io/layers-model-weights.js';
export { keepingRunningStats } from './engine/keeping-running-stats.js';
export { gunzipBounded, gunzipFileBounded, gunzipFileChunks, type InflateLimit } from './io/bounded-gunzip.js';
