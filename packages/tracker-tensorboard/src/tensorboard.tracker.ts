import { join } from 'node:path';
import type { RunEventSource, Tracker } from '@kd/core';
import { EventFileWriter } from './event-file-writer.js';
import type { TensorboardOptions } from './tensorboard.options.js';
import type { Scalar } from './tfevents.js';

/**
 * Mirrors a run into TensorBoard scalars. The x axis is the number of optimizer steps taken so far in the run, so
 * step and epoch scalars share it: a step's values sit at its own count, an epoch's metrics at the count after its
 * last step; stages follow one another.
 */
export class TensorboardTracker implements Tracker {
  private writer: EventFileWriter | undefined;
  private stageOffset = 0;
  private stepsPerEpoch = 0;

  constructor(
    private readonly options: TensorboardOptions,
    private readonly wallTime: () => number = () => Date.now() / 1000,
  ) {}

  attach(events: RunEventSource): void {
    events.on('runStart', (e) => {
      this.writer = new EventFileWriter(join(e.runDir, this.options.dir), this.wallTime());
    });
    events.on('epochStart', (e) => {
      this.stepsPerEpoch = e.steps;
    });
    if (this.options.steps)
      events.on('stepEnd', (e) => {
        const scalars: Scalar[] = [
          { tag: 'step/lr', value: e.lr },
          ...Object.entries(e.losses).map(([k, v]) => ({ tag: `step/loss/${k}`, value: v })),
        ];
        this.writer?.scalars(this.wallTime(), this.stageOffset + e.epoch * e.steps + e.step + 1, scalars);
      });
    events.on('epochEnd', (e) => {
      const scalars = Object.entries(e.metrics).map(([k, v]) => ({ tag: `epoch/${k}`, value: v }));
      this.writer?.scalars(this.wallTime(), this.stageOffset + (e.epoch + 1) * this.stepsPerEpoch, scalars);
    });
    events.on('stageEnd', (e) => {
      this.stageOffset += e.epochs * this.stepsPerEpoch;
    });
  }

  close(): void {
    this.writer?.close();
    this.writer = undefined;
  }
}
