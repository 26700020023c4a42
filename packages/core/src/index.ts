// tsyringe refuses to load without the Reflect metadata polyfill, although kd registers plugins without decorators.
import 'reflect-metadata';

/**
 * @kd/core for plugin authors: the plugin contract, the contracts a plugin implements, and the building blocks
 * methods and backbones are made of. What hosts need (the CLI, tools, tests driving runs) is in `@kd/core/host`.
 */

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
  type TrackerPlugin,
  type FactoryContext,
  type DatasetFactory,
  type BackboneFactory,
  type DistillerFactory,
  type EvaluatorFactory,
  type TrackerFactory,
} from './plugin/plugin.js';
export { PLUGIN, RUN_CONFIG, LOGGER, type Logger } from './plugin/tokens.js';
export type { Batch, BatchOptions, Dataset, DatasetInfo, DatasetSplit, EvalTransformSpec, SplitName } from './contracts/dataset.js';
export type {
  Network,
  NetworkOutput,
  ForwardOptions,
  TrainableModule,
  NamedVariable,
  StageInfo,
  BackboneContext,
  PreactNorm,
} from './contracts/network.js';
export type {
  Distiller,
  DistillerSetup,
  LossInputs,
  LossTerms,
  OwnStepTerms,
  StagePlan,
  StepContext,
  StepOptimizer,
  StepInfo,
  StudentHead,
} from './contracts/distiller.js';
export type { Evaluator, EvaluationContext, Metrics } from './contracts/evaluator.js';
export type { Tracker, TrackerOutcome } from './contracts/tracker.js';
export { KdInputError, KdMissingPluginError, isInputError } from './errors/errors.js';
export { Rng, hashString } from './rng/rng.js';
export { RunEvents, type RunEventMap } from './engine/events.js';
export type { RunEventSource, RunEventListener } from './contracts/run-events.js';
export { Optimizer, type OptimizerConfig, type ParamRef, type WeightDecayOn } from './engine/optimizer.js';
export { createKdContainer, registerPlugin, checkApiVersion, PluginRegistry } from './plugin/registry.js';
export { compilePluginSchema, createAjv } from './schema/validator.js';
export type { PipelineConfig, PluginSpec } from './config/pipeline-config.js';
export { initializeVariable, initialValues, fans, type InitializerSpec } from './engine/initializers.js';
export { learningRate, type ScheduleConfig } from './engine/schedule.js';
export { crossEntropy } from './engine/losses.js';
export { writeFileAtomic, writeDirAtomic } from './io/atomic.js';
export { saveNetwork, loadNetwork, NETWORK_FILE } from './io/network-weights.js';
export { saveCheckpoint, loadCheckpoint, latestCheckpoint, type TrainingPosition, type LoadedCheckpoint } from './io/checkpoint.js';
export { stableStringify } from './io/stable-json.js';
export type { OptionsOf, ConfigOf } from './plugin/options-of.js';
export { klDivergence } from './engine/kl-divergence.js';
export { batchNormalization, setRunningVariance, type RunningVariance, type BatchNormArgs } from './network/batch-normalization.js';
export { absLikeTorch } from './engine/abs-like-torch.js';
export { LayersNetwork, initializeLikePyTorch, type BuiltLayersModel } from './network/layers-network.js';
export { linearCka } from './metrics/linear-cka.js';
export { argMaxRow, isFiniteRow } from './metrics/logit-rows.js';
export type { DistillerEvaluation } from './contracts/distiller.js';
export { writeRunArtifact } from './io/run-artifact.js';
export { stopGradient } from './engine/stop-gradient.js';
export { probeFeatures, requireSpatialFeature, featureName, FEATURE_KINDS, type FeatureKind } from './network/probe-features.js';
export { checkRunHasTeacher } from './plugin/teacher-required.js';
export { isLayersModelDir, loadLayersModelWeights } from './io/layers-model-weights.js';
export { keepingRunningStats } from './engine/keeping-running-stats.js';
export { releaseKept } from './engine/release-kept.js';
export { gunzipBounded, gunzipFileBounded, gunzipFileChunks, type InflateLimit } from './io/bounded-gunzip.js';
export { pairStages, type StagePair } from './network/pair-stages.js';
export { stageTaps, tapStages, type StageSelection, type StageTaps, type TapPointers } from './network/stage-taps.js';
export { featureOf, pairedFeatures, teacherOutput } from './network/feature-of.js';
export { requireTeacherScope } from './network/require-teacher-scope.js';
export { FrozenTeacherNetwork } from './network/frozen-teacher-network.js';
export { teacherStagesOption, featureTapOption } from './network/stage-options.js';
export { ceWeightOption } from './engine/ce-weight-option.js';
export { embeddingWidth } from './network/embedding-width.js';
export { setupTeacher } from './engine/setup-teacher.js';
export { weightedSum } from './engine/weighted-sum.js';
export { softTargetKd } from './engine/soft-target-kd.js';
export { batchNormAffine } from './network/preact-norm.js';
export { PreactBatchNormNetwork } from './network/preact-batch-norm-network.js';
export { reinitializeWeights } from './network/reinitialize-weights.js';
export { depthwiseConv3x3 } from './network/depthwise-conv.js';
export { backboneOptionsSchema, variantOption } from './network/backbone-options-schema.js';
export { adaptiveAvgPool2d, adaptiveAvgPool2dAdjoint, adaptivePoolMatrix } from './network/adaptive-avg-pool.js';
export type { StagePairLossInputs, CeLossResult } from './engine/stage-pair-loss.js';
export { createVariable } from './engine/create-variable.js';
export { VariableModule } from './engine/variable-module.js';
export { trainModeBatchNorm, TORCH_BN_EPSILON } from './network/train-mode-batch-norm.js';
export { forEachLogitBatch, type LogitBatch } from './network/for-each-logit-batch.js';
export { embeddingLossInputs, type EmbeddingLossInputs } from './engine/embedding-loss-inputs.js';
export { checkLogitPair } from './engine/check-logit-pair.js';
export type { StagePairChannels } from './network/stage-pair-channels.js';
export { StagePairModule } from './engine/stage-pair-module.js';
export { studentStagesOption } from './network/student-stages-option.js';
export { completeLossOptions } from './engine/complete-loss-options.js';
