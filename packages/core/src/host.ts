// tsyringe refuses to load without the Reflect metadata polyfill, although kd registers plugins without decorators.
import 'reflect-metadata';

/**
 * @kd/core/host: what drives runs — the runtime, validation and plugin discovery, the run directory and its files,
 * the trainer and the step-level Session, backend selection, export helpers. For the CLI, tools and tests; a plugin
 * needs only `@kd/core`.
 */
export {
  discoverPlugins,
  resolveConventional,
  loadPluginModule,
  nodeImporter,
  type DiscoveredPlugin,
  type ModuleImporter,
} from './plugin/discovery.js';
export { buildPipelineSchema, pluginSchemaId, PIPELINE_SPEC_VERSION } from './schema/pipeline-schema.js';
export { didYouMean, editDistance } from './schema/did-you-mean.js';
export { readJsonFile } from './config/load-config.js';
export { applyOverrides, parseOverride, type ConfigOverride } from './config/overrides.js';
export { selectBackend, type BackendChoice, type BackendName } from './backend/select-backend.js';
export { probeBackends, type BackendProbe } from './backend/probe-backends.js';
export { loadNativeBinding, type NativeBinding } from './backend/native-binding.js';
export { Trainer, type NamedEvaluator, type TrainerInput, type TrainerResult } from './engine/trainer.js';
export { RunDirectory, RUN_FILES, RUN_MARKER, type FreshStart } from './engine/run-directory.js';
export { RunLock, LOCK_FILE, type LockOwner } from './engine/run-lock.js';
export { TrainingStopped, SIGNAL_EXIT_CODES, type StopRequest, type StopSignal } from './engine/training-stopped.js';
export {
  KdRuntime,
  coreVersion,
  type RuntimeOptions,
  type RunOptions,
  type RunResult,
  type AssembledPipeline,
} from './runtime/kd-runtime.js';
export { Session, type SessionStepOptions } from './runtime/session.js';
export { trainingStep, type StepParts, type StepResult } from './engine/training-step.js';
export { describeNetwork, type PipelinePlan, type NetworkPlan } from './runtime/plan.js';
export { skewWarning } from './plugin/version-skew.js';
export { deployedStudent } from './engine/trainer.js';
export { createPipelineValidator, type PipelineValidator } from './schema/validator.js';
export {
  readRunSummary,
  readMetrics,
  readSteps,
  STEP_POINTS_PER_EPOCH,
  parseMetrics,
  readProvenance,
  readNetworkFile,
  type EpochRecord,
  type StepRecord,
  type MetricsParse,
  type Provenance,
  type NetworkFile,
  type RunSummary,
  type RunStatus,
  type RunFailure,
  type RunFailureKind,
  type RunWarning,
} from './io/run-files.js';
export {
  fileSaveHandler,
  fileLoadHandler,
  registerFileRouter,
  loadLayersModelFromDir,
  saveLayersModelToDir,
  LAYERS_MODEL_FILES,
} from './io/layers-file-handler.js';
export { appendLinearHead, loadNetworkWithoutHead } from './io/layers-model-head.js';
export { KdRunError, isRunError } from './errors/errors.js';
export { TeacherCache, teacherIdentity, type TeacherCacheOptions, type TeacherCacheStats } from './engine/teacher-cache.js';
