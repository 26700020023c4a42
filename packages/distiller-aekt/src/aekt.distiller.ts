import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  KdInputError,
  writeFileAtomic,
  type Distiller,
  type DistillerSetup,
  type LossInputs,
  type LossTerms,
  type TrainableModule,
} from '@kd/core';
import { dkdWarmupFactor } from '@kd/distiller-dkd';
import { aektLossTerms, resolveAektLossOptions, type AektLossOptions, type AektLossResult } from './aekt.loss.js';
import type { AektOptions } from './aekt.options.js';
import { SERIAL_ORDERS, SerializationLayer, serializeLogits, type SerialOrder } from './serialization-layer.js';

/** File the learned serialisation matrix is written to, in the run directory, at the end of the run. */
export const AEKT_SERIALIZATION_FILE = 'artifacts/aekt-serialization.json';

/**
 * The `aekt` distiller. In the `kd->cls` order the serialisation layer is also the student's head: evaluation and
 * the saved network go through it (core's `studentHead`). Throws a {@link KdInputError} for inconsistent options.
 */
export function createAektDistiller(options: AektOptions): Distiller {
  const { serialOrder, warmupEpochs, warmupUnit, serialization: useSerialization } = options;
  if (!SERIAL_ORDERS.includes(serialOrder)) {
    throw new KdInputError(
      `/distiller/serialOrder: expected one of ${SERIAL_ORDERS.map((s) => JSON.stringify(s)).join(', ')}; got ${JSON.stringify(serialOrder)}`,
    );
  }
  dkdWarmupFactor(0, warmupEpochs, { unit: warmupUnit }); // validates warmupEpochs now rather than at the first step
  if (serialOrder === 'kd->cls' && !useSerialization)
    throw new KdInputError(
      '/distiller/serialOrder: "kd->cls" puts the serialisation layer in front of the classification logits, so it needs serialization: true',
    );
  const { gamma, beta, temperature, ceWeight, ratioClip, explicitForm, adaptive, ratioNormalization } = options;
  const lossOptions = { gamma, beta, temperature, ceWeight, ratioClip, explicitForm, adaptive, ratioNormalization };
  try {
    // r_min ≤ r_max is beyond the schema; checked here so that it fails at set-up, not at the first step
    resolveAektLossOptions(lossOptions);
  } catch (e) {
    throw new KdInputError(`/distiller: ${(e as Error).message.replace(/^aekt loss: /, '')}`);
  }

  let layer: SerializationLayer | null = null;
  return {
    usesTeacher: true,
    setup(s: DistillerSetup): void {
      if (!useSerialization) return;
      layer?.dispose();
      const current = new SerializationLayer(s.numClasses);
      layer = current;
      s.events.on('runEnd', () => {
        if (current.weight.isDisposed) return;
        writeFileAtomic(join(s.runDir, AEKT_SERIALIZATION_FILE), `${JSON.stringify(current.toJSON(), null, 1)}\n`);
      });
    },
    extraModules(): readonly TrainableModule[] {
      return layer ? [layer] : [];
    },
    studentHead() {
      return serialOrder === 'kd->cls' && layer ? layer : undefined;
    },
    computeLoss(inputs: LossInputs): LossTerms {
      if (!inputs.teacher) throw new Error('aekt distiller: the teacher output is missing (usesTeacher is true)');
      if (useSerialization && !layer)
        throw new Error('aekt distiller: setup() must run before computeLoss (it builds the serialisation layer)');
      const warmupFactor = dkdWarmupFactor(inputs.epoch, warmupEpochs, {
        unit: warmupUnit,
        step: inputs.step,
        stepsPerEpoch: inputs.stepsPerEpoch,
      });
      const { total, ce, explicit, nckd, ratioMean, clipRate } = aektTerms(inputs, layer, serialOrder, { ...lossOptions, warmupFactor });
      return { total, terms: { ce, explicit, nckd, ratio: ratioMean, clipRate } };
    },
    dispose(): void {
      layer?.dispose();
      layer = null;
    },
  };
}

function aektTerms(inputs: LossInputs, layer: SerializationLayer | null, order: SerialOrder, options: AektLossOptions): AektLossResult {
  // the serialised logits are intermediate tensors: only the loss terms leave this scope
  return tf.tidy(() => {
    const { cls, kd } = serializeLogits(inputs.student.logits, layer, order);
    return aektLossTerms(cls, kd, inputs.teacher!.logits, inputs.labels, options);
  });
}
