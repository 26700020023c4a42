import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One line of a run's metrics.jsonl (the fields tests read). */
export interface MetricsLine {
  stage: string;
  epoch: number;
  loss: Record<string, number>;
  metrics: Record<string, number>;
  memory: { numTensors: number };
}

export function metricsLines(runDir: string): MetricsLine[] {
  return readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as MetricsLine);
}
