import * as tf from '@tensorflow/tfjs-core';
import type { TrainableModule } from '../contracts/network.js';

/**
 * Runs `fn` and then puts the modules' non-trainable state (batch-norm running statistics) back: a forward pass that
 * only provides a target must not count as one of the network's own training passes.
 */
export function keepingRunningStats<T>(modules: TrainableModule | readonly TrainableModule[], fn: () => T): T {
  const saved = (Array.isArray(modules) ? (modules as readonly TrainableModule[]) : [modules as TrainableModule]).flatMap((m) => {
    const trainable = new Set(m.trainableVariables());
    return m
      .stateVariables()
      .filter((v) => !trainable.has(v.variable))
      .map((v) => ({ variable: v.variable, value: tf.clone(v.variable) }));
  });
  try {
    return fn();
  } finally {
    for (const s of saved) {
      s.variable.assign(s.value);
      s.value.dispose();
    }
  }
}
