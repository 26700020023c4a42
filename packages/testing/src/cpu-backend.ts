import * as tf from '@tensorflow/tfjs-core';
import { beforeAll } from 'vitest';

/**
 * Runs the suite on tfjs's cpu backend (the caller imports '@tensorflow/tfjs-backend-cpu' so that it is registered):
 * the float reference backend the fixture checks and hand derivations are first held against.
 */
export function onCpuBackend(): void {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    await tf.ready();
  });
}
