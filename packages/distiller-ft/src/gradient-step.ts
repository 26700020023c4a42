import * as tf from '@tensorflow/tfjs-core';
import type { LossTerms, StepOptimizer } from '@kd/core';

/**
 * One optimiser update of the variables `optimizer` owns from a loss closure, for distillers that own their step.
 * The named terms are read back inside the gradient scope and returned as fresh scalars of the caller's tidy scope,
 * so nothing has to be kept (and freed) across scopes.
 */
export function gradientStep(optimizer: StepOptimizer, loss: () => { total: tf.Scalar; terms: Record<string, tf.Scalar> }): LossTerms {
  const vars = optimizer.params.map((p) => p.variable);
  const read: Record<string, number> = {};
  const { value, grads } = tf.variableGrads(() => {
    const { total, terms } = loss();
    for (const [k, v] of Object.entries(terms)) read[k] = v.dataSync()[0]!;
    return total;
  }, vars);
  const map = new Map<tf.Variable, tf.Tensor>();
  for (const v of vars) {
    const g = grads[v.name];
    if (g) map.set(v, g);
  }
  optimizer.applyGradients(map);
  for (const g of Object.values(grads)) g.dispose();
  return { total: value, terms: Object.fromEntries(Object.entries(read).map(([k, v]) => [k, tf.scalar(v)])) };
}
