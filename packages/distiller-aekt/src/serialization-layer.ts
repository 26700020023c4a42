import * as tf from '@tensorflow/tfjs-core';
import type { NamedVariable, TrainableModule } from '@kd/core';

/**
 * Where the task-serialisation layer sits (part of the reconstruction):
 * - `'cls->kd'`: z^cls = student logits (CE; what the deployed student outputs), z^kd = FC_ser(z^cls);
 * - `'kd->cls'`: z^kd = student logits, z^cls = FC_ser(z^kd) (the deployed student would need FC_ser).
 */
export type SerialOrder = 'cls->kd' | 'kd->cls';
export const SERIAL_ORDERS: readonly SerialOrder[] = ['cls->kd', 'kd->cls'];

/** Module name of the layer: the engine checkpoints it as `serialization::weight` and `serialization::bias`. */
export const SERIALIZATION_MODULE_NAME = 'serialization';

/** The learned matrix as written to `<runDir>/artifacts/aekt-serialization.json`. */
export interface SerializationMatrix {
  /** C, the number of classes. */
  readonly classes: number;
  /** C×C; `weight[i][j]` is how much input logit i contributes to output logit j (z_out = z_in·W + b). */
  readonly weight: number[][];
  /** C. */
  readonly bias: number[];
}

/**
 * AEKT's task-serialisation fully-connected layer FC_ser: R^C → R^C, `apply(z) = z·W + b`, with W initialised to the
 * identity and b to zeros (so training starts exactly as DKD). A {@link TrainableModule} named `'serialization'`:
 * the engine trains it with the student and checkpoints it; it is never exported with the student.
 */
export class SerializationLayer implements TrainableModule {
  readonly name = SERIALIZATION_MODULE_NAME;
  readonly numClasses: number;
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  private disposed = false;

  constructor(numClasses: number) {
    if (!Number.isInteger(numClasses) || numClasses < 2) {
      throw new RangeError(`aekt serialization layer: numClasses must be an integer ≥ 2, got ${numClasses}`);
    }
    this.numClasses = numClasses;
    // tfjs variable names are global: let tfjs pick unique ones; checkpoints use the stable names of stateVariables()
    this.weight = tf.tidy(() => tf.variable(tf.eye(numClasses, numClasses, undefined, 'float32'), true));
    this.bias = tf.tidy(() => tf.variable(tf.zeros([numClasses], 'float32'), true));
  }

  /** z·W + b for logits z of shape `[batch, C]`. Differentiable with respect to z, W and b. */
  apply(z: tf.Tensor2D): tf.Tensor2D {
    if (z.rank !== 2 || z.shape[1] !== this.numClasses) {
      throw new Error(`aekt serialization layer: expected logits [batch, ${this.numClasses}], got ${JSON.stringify(z.shape)}`);
    }
    return tf.tidy(() => tf.add(tf.matMul(z, this.weight), this.bias) as tf.Tensor2D);
  }

  trainableVariables(): tf.Variable[] {
    return [this.weight, this.bias];
  }

  stateVariables(): readonly NamedVariable[] {
    return [
      { name: 'weight', variable: this.weight },
      { name: 'bias', variable: this.bias },
    ];
  }

  /** The current C×C weight matrix as nested arrays (row i = input logit i), for plotting inter-class relations. */
  weightMatrix(): number[][] {
    return this.weight.arraySync() as number[][];
  }

  /** The current bias vector. */
  biasVector(): number[] {
    return Array.from(this.bias.dataSync());
  }

  /** `{ classes, weight, bias }`, the content of `aekt-serialization.json`. */
  toJSON(): SerializationMatrix {
    return { classes: this.numClasses, weight: this.weightMatrix(), bias: this.biasVector() };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (!this.weight.isDisposed) this.weight.dispose();
    if (!this.bias.isDisposed) this.bias.dispose();
  }
}

/**
 * The classification and distillation logits of the student for a serialisation order (pure; no state):
 * `'cls->kd'` → { cls: z, kd: FC_ser(z) }, `'kd->cls'` → { cls: FC_ser(z), kd: z }, and without a layer
 * (`layer` null) → { cls: z, kd: z }. Feed the result to `aektLossTerms(cls, kd, ...)`.
 */
export function serializeLogits(
  studentLogits: tf.Tensor2D,
  layer: Pick<SerializationLayer, 'apply'> | null,
  order: SerialOrder = 'cls->kd',
): { cls: tf.Tensor2D; kd: tf.Tensor2D } {
  if (!SERIAL_ORDERS.includes(order))
    throw new RangeError(`aekt: serialOrder must be one of ${SERIAL_ORDERS.join(', ')}; got ${JSON.stringify(order)}`);
  if (!layer) return { cls: studentLogits, kd: studentLogits };
  const applied = layer.apply(studentLogits);
  return order === 'cls->kd' ? { cls: studentLogits, kd: applied } : { cls: applied, kd: studentLogits };
}
