import { join } from 'node:path';
import type { RunEventSource, Tracker, TrackerOutcome } from '@kd/core';
import { LineAppender } from './append-file.js';
import type { JsonlOptions } from './jsonl.options.js';
import { CSV_COLUMNS, type TrackerRecord } from './tracker-record.js';

const finite = (values: Readonly<Record<string, unknown>>): Record<string, number | null> =>
  Object.fromEntries(
    Object.entries(values)
      .filter(([, v]) => typeof v === 'number')
      .map(([k, v]) => [k, Number.isFinite(v) ? (v as number) : null]),
  );

/** RFC 4180 quoting: only fields holding a comma, quote or line break are quoted. */
const csvField = (v: unknown): string => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** Writes events.jsonl and/or events.csv under `<runDir>/<dir>`. */
export class JsonlTracker implements Tracker {
  private jsonl: LineAppender | undefined;
  private csv: LineAppender | undefined;

  constructor(
    private readonly options: JsonlOptions,
    private readonly now: () => Date = () => new Date(),
  ) {}

  attach(events: RunEventSource): void {
    events.on('runStart', (e) => {
      const dir = join(e.runDir, this.options.dir);
      if (this.options.formats.includes('jsonl')) this.jsonl = new LineAppender(join(dir, 'events.jsonl'));
      if (this.options.formats.includes('csv')) this.csv = new LineAppender(join(dir, 'events.csv'), CSV_COLUMNS.join(','));
      this.write({ type: 'runStart', time: this.time(), runDir: e.runDir, resumedFromEpoch: e.resumedFromEpoch });
    });
    if (this.options.steps)
      events.on('stepEnd', (e) =>
        this.write({
          type: 'step',
          time: this.time(),
          stage: e.stage,
          epoch: e.epoch,
          step: e.step,
          steps: e.steps,
          batchSize: e.batchSize,
          lr: e.lr,
          losses: finite(e.losses),
          ...(e.scalars ? { scalars: finite(e.scalars) } : {}),
          ...(e.trainTop1 !== undefined ? { trainTop1: e.trainTop1 } : {}),
        }),
      );
    events.on('epochEnd', (e) =>
      this.write({ type: 'epoch', time: this.time(), stage: e.stage, epoch: e.epoch, metrics: finite(e.metrics) }),
    );
    events.on('warning', (e) => this.write({ type: 'warning', time: this.time(), message: e.message }));
  }

  close(outcome: TrackerOutcome): void {
    try {
      this.write({ type: 'runEnd', time: this.time(), status: outcome.status, ...(outcome.message ? { message: outcome.message } : {}) });
    } finally {
      this.jsonl?.close();
      this.csv?.close();
      this.jsonl = this.csv = undefined;
    }
  }

  private time(): string {
    return this.now().toISOString();
  }

  private write(r: TrackerRecord): void {
    this.jsonl?.append(JSON.stringify(r));
    if (!this.csv) return;
    const row = (key: string, value: unknown, stage = '', epoch: unknown = '', step: unknown = '') =>
      this.csv!.append([r.time, r.type, stage, epoch, step, key, value].map(csvField).join(','));
    switch (r.type) {
      case 'runStart':
        return row('resumedFromEpoch', r.resumedFromEpoch);
      case 'step':
        row('lr', r.lr, r.stage, r.epoch, r.step);
        for (const [k, v] of Object.entries(r.losses)) row(`loss.${k}`, v, r.stage, r.epoch, r.step);
        for (const [k, v] of Object.entries(r.scalars ?? {})) row(`scalar.${k}`, v, r.stage, r.epoch, r.step);
        if (r.trainTop1 !== undefined) row('train.top1', r.trainTop1, r.stage, r.epoch, r.step);
        return;
      case 'epoch':
        for (const [k, v] of Object.entries(r.metrics)) row(k, v, r.stage, r.epoch);
        return;
      case 'warning':
        return row('message', r.message);
      case 'runEnd':
        return row('status', r.status);
    }
  }
}
