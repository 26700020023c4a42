import { readMetrics, type EpochRecord } from '@kd/core/host';

/** One line of a run's metrics.jsonl (core's typed record). */
export type MetricsLine = EpochRecord;

/** The epochs a run recorded, read as core reads them (a damaged line is an error naming it). */
export function metricsLines(runDir: string): MetricsLine[] {
  return readMetrics(runDir);
}
