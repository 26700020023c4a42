export interface ScheduleConfig {
  readonly type: 'constant' | 'multistep' | 'cosine';
  readonly milestones?: readonly number[];
  readonly gamma?: number;
  readonly minLr?: number;
  readonly warmupEpochs?: number;
}

/**
 * Learning rate at a fractional point of training. `epoch` is 0-based; `progress` in (0,1] is the position
 * inside the epoch ((step + 1) / steps), so warm-up is linear per step while decays change per epoch as in the references.
 */
export function learningRate(base: number, s: ScheduleConfig, epoch: number, epochs: number, progress = 0): number {
  let lr = base;
  if (s.type === 'multistep') {
    // mdistiller counts epochs from 1: after milestone m, i.e. from the (m+1)-th epoch, lr *= gamma.
    const passed = (s.milestones ?? []).filter((m) => epoch + 1 > m).length;
    lr = base * (s.gamma ?? 0.1) ** passed;
  } else if (s.type === 'cosine') {
    const min = s.minLr ?? 0;
    lr = min + ((base - min) * (1 + Math.cos((Math.PI * epoch) / Math.max(1, epochs)))) / 2;
  }
  const w = s.warmupEpochs ?? 0;
  if (w > 0 && epoch < w) lr *= Math.min(1, (epoch + progress) / w);
  return lr;
}
