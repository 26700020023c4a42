import type * as tf from '@tensorflow/tfjs-core';
import type { NamedVariable, TrainableModule } from '../contracts/network.js';

/**
 * A distiller's own trainable module (a regressor, a connector) that holds nothing but its variables: it counts its
 * trainable parameters and disposes every state variable, once.
 */
export abstract class VariableModule implements TrainableModule {
  abstract readonly name: string;
  private disposed = false;

  abstract trainableVariables(): tf.Variable[];
  abstract stateVariables(): readonly NamedVariable[];

  /** Parameter count (what mdistiller's `get_extra_parameters` reports). */
  countParams(): number {
    return this.trainableVariables().reduce((a, v) => a + v.size, 0);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const { variable } of this.stateVariables()) if (!variable.isDisposed) variable.dispose();
  }
}
