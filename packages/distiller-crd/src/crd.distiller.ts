import * as tf from '@tensorflow/tfjs-core';
import {
  KdInputError,
  crossEntropy,
  klDivergence,
  stopGradient,
  type Distiller,
  type DistillerSetup,
  type LossInputs,
  type LossTerms,
  type Network,
  type TrainableModule,
} from '@kd/core';
import { CrdModule } from './crd.module.js';
import type { CrdOptions } from './crd.options.js';
import { contrastIndices, otherClassContrastIndices, otherClassPositions } from './negatives.js';

/** Width of a network's pooled embedding, from one inference pass on a zero image. */
function embeddingWidth(network: Network): number {
  return tf.tidy(() => network.apply(tf.zeros([1, ...network.inputShape]) as tf.Tensor4D, { training: false }).embedding.shape[1]);
}

/** The `crd` distiller: embedding heads and memory banks built at setup, the banks updated after every step's loss. */
export class CrdDistiller implements Distiller {
  readonly usesTeacher = true;
  private module?: CrdModule;
  private seed = 0;
  private pools?: Map<number, Int32Array> | undefined;
  private labels?: Int32Array;

  /** `options` as the plugin factory receives them: validated, with the schema's defaults applied. */
  constructor(readonly options: CrdOptions) {}

  /** The heads, banks and Z (after setup). */
  get crd(): CrdModule | undefined {
    return this.module;
  }

  setup({ student, teacher, trainSize, trainLabels, rng }: DistillerSetup): void {
    if (!teacher) throw new Error('crd distiller: setup needs the teacher (usesTeacher is true)');
    if (trainSize === undefined || trainSize < 1)
      throw new KdInputError(
        '/dataset: the crd distiller keeps one memory row per training sample and needs the train split’s size, which this dataset does not give',
      );
    this.module?.dispose();
    this.module = new CrdModule(
      { studentDim: embeddingWidth(student), teacherDim: embeddingWidth(teacher), featureDim: this.options.featureDim, trainSize },
      rng,
    );
    // Drawn after the module's values so they do not shift; every step's negatives derive from it.
    this.seed = rng.nextUint32();
    this.pools = undefined;
    if (this.options.negativeSampling === 'otherClass') {
      if (!trainLabels || trainLabels.length !== trainSize)
        throw new KdInputError(
          '/distiller/negativeSampling: "otherClass" draws negatives from the other classes and needs the train split’s labels, which this dataset does not give; set "uniform"',
        );
      this.labels = trainLabels;
      this.pools = otherClassPositions(trainLabels);
      const single = [...this.pools].find(([, pool]) => pool.length === 0);
      if (single)
        throw new KdInputError(
          `/distiller/negativeSampling: every training sample is of class ${single[0]}, so there are no other-class negatives; set "uniform"`,
        );
    }
  }

  extraModules(): readonly TrainableModule[] {
    return this.module ? [this.module] : [];
  }

  computeLoss(inputs: LossInputs): LossTerms {
    if (!inputs.teacher) throw new Error('crd distiller: the teacher output is missing (usesTeacher is true)');
    if (!this.module) throw new Error('crd distiller: computeLoss was called before setup');
    if (!inputs.sampleIndex)
      throw new KdInputError(
        '/dataset: the crd distiller needs each sample’s position in the train split (Batch.index), which this dataset does not give',
      );
    const o = this.options;
    const contrast = this.pools
      ? otherClassContrastIndices(this.seed, inputs, inputs.sampleIndex, o.negatives, this.labels!, this.pools)
      : contrastIndices(this.seed, inputs, inputs.sampleIndex, o.negatives, this.module.geometry.trainSize);
    const crd = this.module.step(inputs.student.embedding, stopGradient(inputs.teacher.embedding), inputs.sampleIndex, contrast, o);
    const ce = crossEntropy(inputs.student.logits, inputs.labels);
    const t = o.temperature;
    const kd =
      o.kdWeight > 0
        ? tf.tidy(
            () =>
              tf.mul(
                tf.mean(klDivergence(tf.div(inputs.student.logits, t), stopGradient(tf.div(inputs.teacher!.logits, t)))),
                t * t,
              ) as tf.Scalar,
          )
        : undefined;
    const total = tf.tidy(() => {
      const sum = tf.add(tf.mul(ce, o.ceWeight), tf.mul(crd, o.crdWeight));
      return (kd ? tf.add(sum, tf.mul(kd, o.kdWeight)) : sum) as tf.Scalar;
    });
    const terms: Record<string, tf.Scalar> = kd ? { ce, crd, kd } : { ce, crd };
    return { total, terms };
  }

  dispose(): void {
    this.module?.dispose();
    this.module = undefined;
  }
}
