export { STUDY_SCHEMA } from './study-schema.js';
export { readStudy, type Study, type StudyAxis, type OverrideSet } from './study.js';
export { expandStudy, setLabel, type CellSpec } from './expand.js';
export { rebaseConfig } from './rebase-paths.js';
export { cellHash } from './cell-hash.js';
export { cellState, cellSummary, failureReason, isFinalFailure, isFinalFailureKind, runHash, type CellState } from './cell-state.js';
export { planStudy, runnableTasks, studyPaths, type PlannedCell, type StudyPlan, type PlanOptions } from './plan-study.js';
export { cellCommand, type CellCommandOptions, type CellTask, type CellResult, type Executor } from './executor.js';
export { LocalExecutor, type LocalExecutorOptions } from './local-executor.js';
export { writeJobsFile, readJobLine, type JobLine } from './jobs-file.js';
export {
  studyReport,
  reportMarkdown,
  formatDifference,
  formatPoints,
  survivesHolm,
  differenceLegend,
  formatStat,
  type StudyReport,
  type ReportGroup,
  type ReportCell,
  type ReportDifference,
} from './study-report.js';
export { holmAdjusted } from './holm.js';
export { stat, type Stat } from './stats.js';
export { welchInterval, type MeanDifference } from './welch.js';
