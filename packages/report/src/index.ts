export {
  readRun,
  ARTIFACT_DIRS,
  type RunData,
  type RunStatus,
  type EpochRecord,
  type ImageFile,
  type OtherArtifact,
  type ReadRunOptions,
} from './run-data.js';
export {
  recogniseArtifacts,
  type ConfusionMatrix,
  type CalibrationBin,
  type CalibrationDiagram,
  type RecognisedArtifacts,
} from './artifact.js';
export { renderRunReport, type RunReportOptions } from './run-report.js';
export { renderComparison, runLabels, LOWER_IS_BETTER, type ComparisonOptions } from './comparison-report.js';
export { renderBenchReport, type BenchAggregate, type BenchMethod, type BenchStat } from './bench-report.js';
export { writeRunReport, tryWriteRunReport, writeComparisonReport, writeBenchReport, REPORT_FILE } from './write-report.js';
export { lineChart, type Series, type LineChartOptions } from './line-chart.js';
export { barChart, type Bar, type BarChartOptions } from './bar-chart.js';
export { reliabilityDiagram } from './reliability-diagram.js';
export { confusionTable } from './confusion-table.js';
export { escapeHtml, formatNumber } from './html.js';
export { niceTicks } from './scale.js';
export { REPORT_CSP, page } from './page.js';
export { markdownToHtml, inlineMarkdown } from './markdown.js';
export { renderStudyPage, type StudyDifference, type StudyPageOptions } from './study-page.js';
export type { MeanDifference } from '@kd/sweep';
