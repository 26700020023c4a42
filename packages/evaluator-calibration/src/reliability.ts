/** One bin of a reliability diagram. Means are `null` for an empty bin (JSON has no NaN). */
export interface ReliabilityBin {
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  /** Mean confidence (top-1 softmax probability) of the bin's samples. */
  readonly confidence: number | null;
  /** Fraction of the bin's samples whose top-1 prediction is right. */
  readonly accuracy: number | null;
}

/** Running sums per confidence bin, filled batch by batch. */
export class ReliabilityTally {
  private readonly count: number[];
  private readonly confidenceSum: number[];
  private readonly correctSum: number[];

  constructor(readonly bins: number) {
    this.count = new Array<number>(bins).fill(0);
    this.confidenceSum = new Array<number>(bins).fill(0);
    this.correctSum = new Array<number>(bins).fill(0);
  }

  /**
   * Bins are right-closed, (k/M, (k+1)/M], as in Guo et al.'s reference code; a confidence is never 0 (it is at
   * least 1/C), so the first bin's open lower end loses nothing.
   */
  binOf(confidence: number): number {
    return Math.min(this.bins - 1, Math.max(0, Math.ceil(confidence * this.bins) - 1));
  }

  add(confidences: ArrayLike<number>, correct: ArrayLike<number | boolean>): void {
    for (let i = 0; i < confidences.length; i++) {
      const b = this.binOf(confidences[i]!);
      this.count[b]! += 1;
      this.confidenceSum[b]! += confidences[i]!;
      this.correctSum[b]! += Number(correct[i]!);
    }
  }

  get total(): number {
    return this.count.reduce((a, b) => a + b, 0);
  }

  diagram(): ReliabilityBin[] {
    return this.count.map((n, k) => ({
      lower: k / this.bins,
      upper: (k + 1) / this.bins,
      count: n,
      confidence: n === 0 ? null : this.confidenceSum[k]! / n,
      accuracy: n === 0 ? null : this.correctSum[k]! / n,
    }));
  }
}

/** ECE = Σ_b (|B_b| / n) · |acc(B_b) − conf(B_b)| (Naeini et al. 2015; Guo et al. 2017, Eq. 3). */
export function expectedCalibrationError(diagram: readonly ReliabilityBin[]): number {
  const n = diagram.reduce((a, b) => a + b.count, 0);
  if (n === 0) return 0;
  return diagram.reduce((a, b) => (b.count === 0 ? a : a + (b.count / n) * Math.abs(b.accuracy! - b.confidence!)), 0);
}

/** MCE = max over non-empty bins of |acc(B_b) − conf(B_b)| (Guo et al. 2017, Eq. 5). */
export function maximumCalibrationError(diagram: readonly ReliabilityBin[]): number {
  return diagram.reduce((a, b) => (b.count === 0 ? a : Math.max(a, Math.abs(b.accuracy! - b.confidence!))), 0);
}
