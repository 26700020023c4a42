/** A confusion matrix: `counts[label][prediction]`. */
export type ConfusionMatrix = number[][];

export function emptyConfusion(numClasses: number): ConfusionMatrix {
  return Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
}

/** Adds one batch of (label, predicted class) pairs. */
export function addToConfusion(matrix: ConfusionMatrix, labels: ArrayLike<number>, predictions: ArrayLike<number>): void {
  for (let i = 0; i < labels.length; i++) {
    const row = matrix[labels[i]!];
    if (!row || predictions[i]! < 0 || predictions[i]! >= row.length)
      throw new RangeError(`label ${labels[i]} or prediction ${predictions[i]} is outside the ${matrix.length} classes`);
    row[predictions[i]!]! += 1;
  }
}

/** Samples of each class (row sums). */
export function classSupport(matrix: ConfusionMatrix): number[] {
  return matrix.map((row) => row.reduce((a, b) => a + b, 0));
}

/**
 * Recall of each class: diagonal over row sum. A class absent from the split has no accuracy; it is `null` (JSON has
 * no NaN) and left out of the class mean.
 */
export function perClassAccuracy(matrix: ConfusionMatrix): (number | null)[] {
  return matrix.map((row, i) => {
    const n = row.reduce((a, b) => a + b, 0);
    return n === 0 ? null : row[i]! / n;
  });
}

/** Mean of the per-class accuracies over the classes present (balanced accuracy). */
export function classMeanAccuracy(perClass: readonly (number | null)[]): number {
  const present = perClass.filter((v): v is number => v !== null);
  return present.length === 0 ? 0 : present.reduce((a, b) => a + b, 0) / present.length;
}
