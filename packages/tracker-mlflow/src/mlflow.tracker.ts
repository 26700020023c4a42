import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { writeFileAtomic, type RunEventSource, type Tracker, type TrackerOutcome } from '@kd/core';
import { flattenParams } from './flatten-params.js';
import { MAX_BATCH_METRICS, MAX_BATCH_PARAMS, MlflowClient, type Fetch, type MlflowMetric, type MlflowRunStatus } from './mlflow.client.js';
import type { MlflowOptions } from './mlflow.options.js';

/** Where a run directory remembers its MLflow run, so that a resumed run continues the same one. */
export const MLFLOW_RUN_FILE = 'mlflow-run.json';

const STATUS: Record<TrackerOutcome['status'], MlflowRunStatus> = { finished: 'FINISHED', failed: 'FAILED', interrupted: 'KILLED' };

const metricValue = (v: number): number | string => (Number.isFinite(v) ? v : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity');
const metricKey = (k: string) => k.replace(/[^A-Za-z0-9_\-. /]/g, '_');

/**
 * Mirrors a run into MLflow. Metrics are buffered and sent with log-batch at each epoch end (and whenever a batch is
 * full), so a step costs no request. Step metrics use the optimizer steps taken so far in the run as MLflow's step;
 * epoch metrics the epochs done. When the run cannot be created (server down), the tracker records nothing more
 * instead of failing on every event.
 */
export class MlflowTracker implements Tracker {
  private readonly client: MlflowClient;
  private runId: string | undefined;
  private pending: MlflowMetric[] = [];
  private stepOffset = 0;
  private epochOffset = 0;
  private stepsPerEpoch = 0;

  constructor(
    private readonly options: MlflowOptions,
    fetchImpl?: Fetch,
    private readonly now: () => number = Date.now,
  ) {
    this.client = new MlflowClient(options.trackingUri, options.timeoutMs, fetchImpl);
  }

  attach(events: RunEventSource): void {
    events.on('runStart', (e) => this.start(e.runDir, e.config, e.resumedFromEpoch !== null));
    events.on('epochStart', (e) => {
      this.stepsPerEpoch = e.steps;
    });
    if (this.options.steps)
      events.on('stepEnd', async (e) => {
        if (!this.runId) return;
        const step = this.stepOffset + e.epoch * e.steps + e.step + 1;
        this.add('lr', e.lr, step);
        for (const [k, v] of Object.entries(e.losses)) this.add(`loss/${k}`, v, step);
        if (this.pending.length >= MAX_BATCH_METRICS) await this.flush();
      });
    events.on('epochEnd', async (e) => {
      if (!this.runId) return;
      for (const [k, v] of Object.entries(e.metrics)) this.add(k, v, this.epochOffset + e.epoch + 1);
      await this.flush();
    });
    events.on('stageEnd', (e) => {
      this.stepOffset += e.epochs * this.stepsPerEpoch;
      this.epochOffset += e.epochs;
    });
  }

  async close(outcome: TrackerOutcome): Promise<void> {
    if (!this.runId) return;
    const runId = this.runId;
    this.runId = undefined;
    try {
      await this.flushFor(runId);
    } finally {
      await this.client.updateRun(runId, STATUS[outcome.status], this.now());
    }
  }

  private async start(runDir: string, config: Readonly<Record<string, unknown>>, resumed: boolean): Promise<void> {
    const file = join(runDir, MLFLOW_RUN_FILE);
    const saved =
      resumed && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { runId: string; trackingUri: string }) : undefined;
    if (saved && saved.trackingUri === this.options.trackingUri) {
      await this.client.updateRun(saved.runId, 'RUNNING');
      this.runId = saved.runId;
      return;
    }
    const experimentId = await this.client.experimentId(this.options.experimentName);
    const runId = await this.client.createRun(experimentId, this.options.runName || basename(runDir), this.now(), [
      { key: 'kd.runDir', value: runDir },
    ]);
    writeFileAtomic(file, `${JSON.stringify({ runId, trackingUri: this.options.trackingUri, experimentId }, null, 2)}\n`);
    this.runId = runId;
    const params = flattenParams(config);
    for (let i = 0; i < params.length; i += MAX_BATCH_PARAMS) await this.client.logBatch(runId, [], params.slice(i, i + MAX_BATCH_PARAMS));
  }

  private add(key: string, value: number, step: number): void {
    this.pending.push({ key: metricKey(key), value: metricValue(value), timestamp: this.now(), step });
  }

  private flush(): Promise<void> {
    return this.runId ? this.flushFor(this.runId) : Promise.resolve();
  }

  private async flushFor(runId: string): Promise<void> {
    // Taken out first: a batch the server refused is dropped, not resent with every later one.
    const batch = this.pending;
    this.pending = [];
    for (let i = 0; i < batch.length; i += MAX_BATCH_METRICS) await this.client.logBatch(runId, batch.slice(i, i + MAX_BATCH_METRICS));
  }
}
