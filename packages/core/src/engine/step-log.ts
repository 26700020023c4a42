import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../io/atomic.js';
import { parseMetrics, STEP_POINTS_PER_EPOCH, type StepRecord } from '../io/run-files.js';

/** What one training step contributes to the step log. */
export interface StepSample {
  readonly losses: Readonly<Record<string, number>>;
  readonly scalars?: Readonly<Record<string, number>> | undefined;
  /** Training-batch predictions that were right, when the trainer saw the logits. */
  readonly correct?: number | undefined;
  readonly batchSize: number;
  readonly lr: number;
}

/** Running sums over some steps: plain JSON, so a mid-epoch checkpoint can keep them. */
export interface StepSums {
  readonly count: number;
  readonly loss: Readonly<Record<string, number>>;
  readonly scalars: Readonly<Record<string, number>>;
  readonly correct: number;
  /** Samples of the steps that reported `correct`. */
  readonly samples: number;
}

/** The step log's state inside an epoch: the open interval's sums and the epoch's (for metrics.jsonl). */
export interface StepLogState {
  readonly interval: StepSums;
  readonly epoch: StepSums;
}

const EMPTY: StepSums = { count: 0, loss: {}, scalars: {}, correct: 0, samples: 0 };

function add(s: StepSums, x: StepSample): StepSums {
  const plus = (acc: Readonly<Record<string, number>>, v: Readonly<Record<string, number>> | undefined) => {
    const out = { ...acc };
    for (const [k, n] of Object.entries(v ?? {})) out[k] = (out[k] ?? 0) + n;
    return out;
  };
  const counted = x.correct !== undefined;
  return {
    count: s.count + 1,
    loss: plus(s.loss, x.losses),
    scalars: plus(s.scalars, x.scalars),
    correct: s.correct + (counted ? x.correct! : 0),
    samples: s.samples + (counted ? x.batchSize : 0),
  };
}

const means = (sums: Readonly<Record<string, number>>, n: number) =>
  Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / Math.max(1, n)]));

/**
 * steps.jsonl, one epoch at a time: each step's loss terms, extra scalars and training accuracy, averaged over
 * intervals of ⌈steps / STEP_POINTS_PER_EPOCH⌉ steps and appended as each interval closes. Sums are accumulated in
 * step order and the open interval travels in a mid-epoch checkpoint, so a resumed run writes the very lines an
 * uninterrupted one would.
 */
export class StepLog {
  private readonly every: number;
  private interval: StepSums;
  private epochSums: StepSums;

  constructor(
    private readonly file: string,
    private readonly stage: string,
    /** 0-based epoch of the stage. */
    private readonly epoch: number,
    private readonly steps: number,
    resumed?: StepLogState,
  ) {
    this.every = Math.max(1, Math.ceil(steps / STEP_POINTS_PER_EPOCH));
    this.interval = resumed?.interval ?? EMPTY;
    this.epochSums = resumed?.epoch ?? EMPTY;
  }

  /** Adds step `step` (0-based) and appends a line when it closes an interval. */
  observe(step: number, x: StepSample): void {
    this.interval = add(this.interval, x);
    this.epochSums = add(this.epochSums, x);
    if ((step + 1) % this.every !== 0 && step + 1 !== this.steps) return;
    const s = this.interval;
    const record: StepRecord = {
      stage: this.stage,
      epoch: this.epoch + 1,
      step: step + 1,
      steps: this.steps,
      count: s.count,
      lr: x.lr,
      loss: means(s.loss, s.count),
      ...(Object.keys(s.scalars).length ? { scalars: means(s.scalars, s.count) } : {}),
      ...(s.samples > 0 ? { trainTop1: s.correct / s.samples } : {}),
    };
    appendFileSync(this.file, `${JSON.stringify(record)}\n`);
    this.interval = EMPTY;
  }

  get state(): StepLogState {
    return { interval: this.interval, epoch: this.epochSums };
  }

  /** What metrics.jsonl records of the epoch beside the loss: training accuracy and the scalars' means. */
  epochFields(): { train?: { top1: number }; scalars?: Record<string, number> } {
    const s = this.epochSums;
    return {
      ...(s.samples > 0 ? { train: { top1: s.correct / s.samples } } : {}),
      ...(Object.keys(s.scalars).length ? { scalars: means(s.scalars, s.count) } : {}),
    };
  }

  /**
   * On resume: keeps the lines a checkpoint's position covers (`keep`), drops the rest — lines of steps after the
   * checkpoint and a torn last line — and rewrites the file atomically, as metrics.jsonl is truncated.
   */
  static truncate(file: string, keep: (r: StepRecord) => boolean): void {
    if (!existsSync(file)) return;
    const { records } = parseMetrics(readFileSync(file, 'utf8'));
    const kept = (records as unknown as StepRecord[]).filter(keep);
    writeFileAtomic(file, kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
  }
}
