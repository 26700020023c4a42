import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { batchNormalization, initializeLikePyTorch, type NamedVariable, type Rng, type TrainableModule } from '@kd/core';

/**
 * The student-side connector of one local module: 1×1 conv (no bias) + batch norm from the student's channels to the
 * teacher's (RepDistiller's ConvReg idea, as §5.2 step 2 prescribes). Training-only: checkpointed, never exported.
 */
export class Connector implements TrainableModule {
  readonly name: string;
  private readonly model: tfl.LayersModel;

  constructor(name: string, inputShape: readonly [number, number, number], outChannels: number, rng: Rng) {
    this.name = name;
    const input = tfl.input({ shape: [...inputShape], name: `${name}_input` });
    const conv = tfl.layers.conv2d({ filters: outChannels, kernelSize: 1, useBias: false, name: `${name}_conv` }).apply(input);
    const bn = batchNormalization({ momentum: 0.9, epsilon: 1e-5, name: `${name}_bn` }).apply(conv) as tfl.SymbolicTensor;
    this.model = tfl.model({ inputs: input, outputs: bn, name });
    initializeLikePyTorch(this.model, rng);
  }

  apply(features: tf.Tensor4D, training: boolean): tf.Tensor4D {
    return this.model.apply(features, { training }) as tf.Tensor4D;
  }

  trainableVariables(): tf.Variable[] {
    return this.model.trainableWeights.map((w) => w.read() as tf.Variable);
  }

  stateVariables(): NamedVariable[] {
    const prefix = `${this.name}_`;
    return this.model.weights.map((w) => ({
      name: w.originalName.startsWith(prefix) ? w.originalName.slice(prefix.length) : w.originalName,
      variable: w.read() as tf.Variable,
    }));
  }

  dispose(): void {
    this.model.dispose();
  }
}
