import * as tf from '@tensorflow/tfjs-core';
import { KdInputError, crossEntropy, embeddingWidth, setupTeacher, softTargetKd, stopGradient, teacherOutput, weightedSum } from '@kd/core';
import type { Distiller, DistillerSetup, LossInputs, LossTerms, TrainableModule } from '@kd/core';
import { CrdModule } from './crd.module.js';
import type { CrdOptions } from './crd.options.js';
import { contrastIndices, otherClassContrastIndices, otherClassPositions } from './negatives.js';

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

  setup(setup: DistillerSetup): void {
    const { student, trainSize, trainLabels, rng } = setup;
    const teacher = setupTeacher(setup, 'crd');
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
    const teacher = teacherOutput(inputs, 'crd');
    if (!this.module) throw new Error('crd distiller: computeLoss was called before setup');
    if (!inputs.sampleIndex)
      throw new KdInputError(
        '/dataset: the crd distiller needs each sample’s position in the train split (Batch.index), which this dataset does not give',
      );
    const o = this.options;
    const contrast = this.pools
      ? otherClassContrastIndices(this.seed, inputs, inputs.sampleIndex, o.negatives, this.labels!, this.pools)
      : contrastIndices(this.seed, inputs, inputs.sampleIndex, o.negatives, this.module.geometry.trainSize);
    const crd = this.module.step(inputs.student.embedding, stopGradient(teacher.embedding), inputs.sampleIndex, contrast, o);
    const ce = crossEntropy(inputs.student.logits, inputs.labels);
    const kd = o.kdWeight > 0 ? softTargetKd(inputs.student.logits, teacher.logits, o.temperature) : undefined;
    const total = weightedSum([[ce, o.ceWeight], [crd, o.crdWeight], ...(kd ? [[kd, o.kdWeight] as const] : [])]);
    const terms: Record<string, tf.Scalar> = kd ? { ce, crd, kd } : { ce, crd };
    return { total, terms };
  }

  dispose(): void {
    this.module?.dispose();
    this.module = undefined;
  }
}
