/** How many recent steps the median is taken over, and how many must be seen before judging. */
const WINDOW = 50;
const MIN_SEEN = 10;

export interface LossSpike {
  readonly value: number;
  readonly median: number;
  readonly ratio: number;
}

/**
 * Flags a step whose total loss exceeds `factor` times the median of the recent steps. A finite loss that explodes
 * (to 1e4 and back) leaves a run that looks like it trained; the median ignores the spikes themselves, so one
 * spike does not hide the next.
 */
export class LossSpikeMonitor {
  private readonly recent: number[];

  constructor(
    private readonly factor: number,
    recent: readonly number[] = [],
  ) {
    this.recent = [...recent];
  }

  /** The window, for a checkpoint. */
  get state(): readonly number[] {
    return [...this.recent];
  }

  observe(total: number): LossSpike | null {
    let spike: LossSpike | null = null;
    if (this.recent.length >= MIN_SEEN) {
      const sorted = [...this.recent].sort((a, b) => a - b);
      const mid = sorted.length >> 1;
      const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
      if (median > 0 && total > this.factor * median) spike = { value: total, median, ratio: total / median };
    }
    this.recent.push(total);
    if (this.recent.length > WINDOW) this.recent.shift();
    return spike;
  }
}
