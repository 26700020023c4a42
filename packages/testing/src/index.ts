export { repoRoot, sourceImporter, sourceRuntime } from './repo.js';
export { captureIo, type CapturedIo } from './capture-io.js';
export { tempDir } from './temp-dir.js';
export { tinyConfig, TEACHER_BACKBONE, type TinyRunSize } from './tiny-config.js';
export { writeConfig } from './write-config.js';
export { trainTeacher } from './train-teacher.js';
export { runtimeWith, runConfig, type Register } from './run-config.js';
export { metricsLines, type MetricsLine } from './metrics-lines.js';
export { relErr } from './rel-err.js';
export { tinyBackbone } from './tiny-backbone.js';
export { scriptedNetwork, guessingNetwork, labelSplit, featureNetwork } from './evaluator-fakes.js';
export {
  readPackageJson,
  strictAjv,
  expectNamedExportsOnly,
  expectManifestMatchesPackageJson,
  expectRegistersExplicitly,
  expectStrictSchemaWithDefaults,
  type PluginPackageJson,
} from './plugin-conformance.js';
export { describePluginConformance, type PluginConformanceCase } from './describe-plugin.js';
export {
  zooModelTests,
  zooBatch,
  expectExportRoundTrip,
  expectTrainingStepGradients,
  readmeParamCounts,
  expectBatchNormModes,
  type ZooExpectation,
} from './zoo-checks.js';
export { expectExactResume, checkpointTensors, latestCheckpoint, type ExactResumeCase, type ExactResumeResult } from './exact-resume.js';
export { describeDistillerE2e, type DistillerE2eCase, type DistillerE2eContext, type DistillerE2eRun } from './distiller-e2e.js';
export { describeDistillerResume, type DistillerResumeCase } from './distiller-resume.js';
export { distillerSetupFor, validatedOptions, expectStudentOnlyGradients } from './distiller-setup.js';
export { describeOnBackends, FIXTURE_ERRORS_ENV, type BackendChecks, type FixtureBackend } from './describe-on-backends.js';
export { fixtureCases, describeCases, type NamedCase, type StageFeatureCase, type StageFeatures } from './fixture-cases.js';
export {
  describeBackbone,
  backboneContext,
  featureShapes,
  squareStages,
  type BackboneCase,
  type BackboneBuildCase,
} from './describe-backbone.js';
export { describeLogitDistiller, logitLossInputs, type LogitDistillerCase } from './describe-logit-distiller.js';
export {
  logitInputs,
  randomLogits,
  randomLabels,
  confidentTeacher,
  expectTeacherVariableGetsNoGradient,
  expectFloatLabelsCast,
  expectFiniteForExtremeLogits,
  expectRejectsBadTemperatureAndShapes,
  type LogitLoss,
  type LogitLossTerms,
  type LogitFixtureCase,
} from './logit-loss-checks.js';
export { expectTermValues } from './expect-terms.js';
export { compileStrictSchema, expectDescribedWithDefaults } from './schema-checks.js';
export { inputErrorMessage } from './input-error.js';
export { pngChunk, pngWith, type PngHeader } from './png-bytes.js';
export { kdStudentOf } from './kd-student.js';
export { expectStageFeatureGradients, type StageFeatureInputs } from './stage-feature-grads.js';
export { onCpuBackend } from './cpu-backend.js';
export { randomStageInputs } from './random-stage-inputs.js';
