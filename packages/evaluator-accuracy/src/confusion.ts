/** A confusion matrix: `counts[label][prediction]`. */
export type ConfusionMatrix = number[][];

/**
 * A confusion matrix being filled, with the samples that have no prediction: a row of logits with a non-finite value
 * predicts no class, so it is in no column; it is counted per true class in `nonFinite` and is a miss for its class.
 */
export interface ConfusionTally {
  readonly matrix: ConfusionMatrix;
  readonly nonFinite: number[];
}

export function emptyConfusion(numClasses: number): ConfusionTally {
  return {
    matrix: Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0)),
    nonFinite: new Array<number>(numClasses).fill(0),
  };
}

/** Adds one batch of (label, predicted class) pairs; a prediction of −1 is a sample with non-finite logits. */
export function addToConfusion(tally: ConfusionTally, labels: ArrayLike<number>, predictions: ArrayLike<number>): void {
  const { matrix, nonFinite } = tally;
  for (let i = 0; i < labels.length; i++) {
    const row = matrix[labels[i]!];
    const p = predictions[i]!;
    if (!row || p < -1 || p >= row.length)
      throw new RangeError(`label ${labels[i]} or prediction ${p} is outside the ${matrix.length} classes`);
    if (p === -1) nonFinite[labels[i]!]! += 1;
    else row[p]! += 1;
  }
}

/** Samples of each class: the row sum plus the samples of that class without a prediction. */
export function classSupport(tally: ConfusionTally): number[] {
  return tally.matrix.map((row, i) => row.reduce((a, b) => a + b, 0) + tally.nonFinite[i]!);
}

/**
 * Recall of each class: diagonal over support (a sample without a prediction is a miss). A class absent from the split
 * has no accuracy; it is `null` (JSON has no NaN) and left out of the class mean.
 */
export function perClassAccuracy(tally: ConfusionTally): (number | null)[] {
  const support = classSupport(tally);
  return tally.matrix.map((row, i) => (support[i] === 0 ? null : row[i]! / support[i]!));
}

/** Mean of the per-class accuracies over the classes present (balanced accuracy). */
export function classMeanAccuracy(perClass: readonly (number | null)[]): number {
  const present = perClass.filter((v): v is number => v !== null);
  return present.length === 0 ? 0 : present.reduce((a, b) => a + b, 0) / present.length;
}
