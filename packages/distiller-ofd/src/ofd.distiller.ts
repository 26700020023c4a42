import * as tf from '@tensorflow/tfjs-core';
import { KdInputError, pairStages, pairedFeatures, setupTeacher, tapStages } from '@kd/core';
import type { Distiller, DistillerSetup, LossInputs, LossTerms, StagePair, TrainableModule } from '@kd/core';
import { OfdConnectors } from './connector.js';
import { margins } from './margin.js';
import { ofdLossTerms } from './ofd.loss.js';
import type { OfdOptions } from './ofd.options.js';

/**
 * The `ofd` distiller: at setup it pairs the stages' pre-activations, builds a connector per pair and computes the
 * teacher's margins from the batch norm before each tapped ReLU (the teacher is frozen, so they stay constant).
 */
export class OfdDistiller implements Distiller {
  readonly usesTeacher = true;
  private taps: StagePair[] = [];
  private connectorModule?: OfdConnectors;
  private marginTensors: tf.Tensor1D[] = [];

  /** `options` as the plugin factory receives them: validated, with the schema's defaults applied. */
  constructor(readonly options: OfdOptions) {}

  /** The feature pairs in use (after setup). */
  get pairs(): readonly StagePair[] {
    return this.taps;
  }

  /** The connectors (after setup). */
  get connectors(): OfdConnectors | undefined {
    return this.connectorModule;
  }

  /** The teacher's margin per channel, one array per pair (after setup). */
  get margins(): Float32Array[] {
    return this.marginTensors.map((m) => m.dataSync() as Float32Array);
  }

  setup(setup: DistillerSetup): void {
    const { student } = setup;
    const teacher = setupTeacher(setup, 'ofd');
    const o = this.options;
    const stagePairs = pairStages(student, teacher, o.stages, o.teacherStages);
    const {
      stages,
      pairs: taps,
      shapes,
    } = tapStages(student, teacher, stagePairs, 'preact', {
      student: '/distiller/stages',
      teacher: '/distiller/teacherStages',
    });
    const pairs = taps.map(({ student: s, teacher: t }, i) => {
      const { student: ss, teacher: ts } = shapes[i]!;
      if (ts[0]! < ss[0]! || ts[1]! < ss[1]!)
        throw new KdInputError(
          `/distiller/stages/${i}: the teacher's "${t}" is ${ts[0]}×${ts[1]}, smaller than the student's "${s}" (${ss[0]}×${ss[1]}); ` +
            'OFD pools the teacher map down to the student’s, so pair stages whose teacher map is at least as large (teacherStages)',
        );
      const norm = teacher.preactNorm?.(t);
      if (!norm)
        throw new KdInputError(
          `/teacher/backbone: OFD's margin needs the batch norm right before the teacher's ReLU at "${t}" (pair ${i}), ` +
            `and the ${teacher.spec.name} backbone gives none there (Network.preactNorm; resnet, wrn, vgg and cnn with batchNorm do)`,
        );
      if (norm.gamma.length !== ts[2])
        throw new Error(`ofd distiller: the teacher's batch norm at "${t}" has ${norm.gamma.length} channels; the feature has ${ts[2]}`);
      return {
        tap: { student: s, teacher: t },
        geometry: { name: stages[i]!.student, studentChannels: ss[2]!, teacherChannels: ts[2]! },
        norm,
      };
    });
    this.dispose();
    this.taps = pairs.map((p) => p.tap);
    this.marginTensors = pairs.map((p) => tf.tensor1d(margins(p.norm.gamma, p.norm.beta)));
    this.connectorModule = new OfdConnectors(
      pairs.map((p) => p.geometry),
      o.connectorKernelSize,
      setup.rng,
    );
  }

  extraModules(): readonly TrainableModule[] {
    return this.connectorModule ? [this.connectorModule] : [];
  }

  computeLoss(inputs: LossInputs): LossTerms {
    const { studentFeatures, teacherFeatures } = pairedFeatures(inputs, this.taps, 'ofd');
    const c = this.connectorModule;
    if (!c) throw new Error('ofd distiller: computeLoss was called before setup');
    const r = tf.tidy(() => {
      const { total, ce, ofd } = ofdLossTerms(
        {
          connected: studentFeatures.map((f, i) => c.apply(i, f)),
          teacherFeatures,
          margins: this.marginTensors,
          studentLogits: inputs.student.logits,
          labels: inputs.labels,
        },
        this.options,
      );
      return { total, ce, ofd };
    });
    return { total: r.total, terms: { ce: r.ce, ofd: r.ofd } };
  }

  dispose(): void {
    this.connectorModule?.dispose();
    this.connectorModule = undefined;
    for (const m of this.marginTensors) m.dispose();
    this.marginTensors = [];
  }
}
