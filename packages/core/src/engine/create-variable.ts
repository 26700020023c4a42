import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../rng/rng.js';
import { initialValues, type InitializerSpec } from './initializers.js';

/** A new trainable float32 variable of `shape` with values drawn from `rng` as `spec` says. */
export function createVariable(shape: readonly number[], spec: InitializerSpec, rng: Rng): tf.Variable {
  return tf.tidy(() => tf.variable(tf.tensor(initialValues(shape, spec, rng), [...shape], 'float32'), true));
}
