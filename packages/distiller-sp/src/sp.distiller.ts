import { KdInputError, pairStages, pairedFeatures, setupTeacher, tapStages } from '@kd/core';
import type { Distiller, DistillerSetup, LossInputs, LossTerms, Network, StagePair } from '@kd/core';
import { spLossTerms } from './sp.loss.js';
import type { SpOptions } from './sp.options.js';

function lastStage(network: Network, role: string): string {
  const last = network.stages.at(-1);
  if (!last) throw new KdInputError(`/distiller/stages: the ${role} backbone (${network.spec.name}) names no stages to compare`);
  return last.name;
}

/**
 * The `sp` distiller: no trainable module of its own; at setup it chooses the stage pairs and checks that their
 * features exist, then each step sums the per-stage similarity losses.
 */
export class SpDistiller implements Distiller {
  readonly usesTeacher = true;
  private taps: StagePair[] = [];

  /** `options` as the plugin factory receives them: validated, with the schema's defaults applied. */
  constructor(private readonly options: SpOptions) {}

  /** The feature pairs in use (after setup). */
  get pairs(): readonly StagePair[] {
    return this.taps;
  }

  setup(setup: DistillerSetup): void {
    const { student } = setup;
    const teacher = setupTeacher(setup, 'sp');
    const { stages, teacherStages, feature } = this.options;
    // The reference code compares the last stage of each network, whatever their names or depths; pairStages
    // refuses teacherStages without stages.
    const pairs =
      stages.length > 0 || teacherStages.length > 0
        ? pairStages(student, teacher, stages, teacherStages)
        : [{ student: lastStage(student, 'student'), teacher: lastStage(teacher, 'teacher') }];
    this.taps = tapStages(student, teacher, pairs, feature).pairs;
  }

  computeLoss(inputs: LossInputs): LossTerms {
    const { studentFeatures, teacherFeatures } = pairedFeatures(inputs, this.taps, 'sp');
    const r = spLossTerms({ studentFeatures, teacherFeatures, studentLogits: inputs.student.logits, labels: inputs.labels }, this.options);
    return { total: r.total, terms: { ce: r.ce, sp: r.sp } };
  }
}
