import type { DkdWarmupUnit } from './dkd.options.js';

/**
 * The warm-up factor of DKD's distillation part for a 0-based `epoch`: `min((epoch + 1) / warmupEpochs, 1)`, which is
 * mdistiller's `min(epoch / warmup, 1)` with its 1-based epoch; constant within an epoch. With `unit: 'step'`, the
 * epoch is fractional, advanced after every batch: `min((epoch + (step + 1) / stepsPerEpoch) / warmupEpochs, 1)`.
 * `warmupEpochs = 0` gives 1.
 */
export function dkdWarmupFactor(
  epoch: number,
  warmupEpochs: number,
  { unit = 'epoch', step = 0, stepsPerEpoch = 1 }: { unit?: DkdWarmupUnit; step?: number; stepsPerEpoch?: number } = {},
): number {
  if (!Number.isFinite(warmupEpochs) || warmupEpochs < 0 || (unit === 'epoch' && !Number.isInteger(warmupEpochs))) {
    throw new RangeError(
      `dkd distiller: warmupEpochs must be ${unit === 'epoch' ? 'an integer' : 'a number'} ≥ 0 with warmupUnit "${unit}", got ${warmupEpochs}`,
    );
  }
  if (!Number.isFinite(epoch) || epoch < 0) throw new RangeError(`dkd distiller: epoch must be a number ≥ 0, got ${epoch}`);
  if (warmupEpochs === 0) return 1;
  const progress = unit === 'step' ? epoch + (step + 1) / Math.max(1, stepsPerEpoch) : epoch + 1;
  return Math.min(progress / warmupEpochs, 1);
}
