/** How much a tiny run trains on and for how long: what end-to-end tests trade between speed and signal. */
export interface TinyRunSize {
  readonly trainLimit?: number;
  readonly testLimit?: number;
  readonly epochs?: number;
  readonly seed?: number;
  readonly evalBatchSize?: number;
}

/**
 * A small but real pipeline: a few hundred bundled Fashion-MNIST images and a tiny CNN on the wasm backend.
 * `overrides` replace whole top-level sections (a `training` override replaces the optimizer and schedule too).
 */
export function tinyConfig(outDir: string, overrides: Record<string, unknown> = {}, size: TinyRunSize = {}): Record<string, unknown> {
  const { trainLimit = 384, testLimit = 200, epochs = 3, seed = 7, evalBatchSize } = size;
  return {
    specVersion: 1,
    backend: 'wasm',
    dataset: { name: 'idx', preset: 'fashion-mnist', source: 'bundled', trainLimit, testLimit },
    student: { backbone: { name: 'cnn', channels: [4, 8] } },
    evaluators: [{ name: 'accuracy' }],
    training: {
      epochs,
      batchSize: 32,
      ...(evalBatchSize !== undefined ? { evalBatchSize } : {}),
      seed,
      optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 },
      schedule: { type: 'cosine' },
    },
    output: { dir: outDir },
    ...overrides,
  };
}

/** The teacher backbone the tiny end-to-end runs distil from: twice the student's channels. */
export const TEACHER_BACKBONE = { name: 'cnn', channels: [8, 16] };
