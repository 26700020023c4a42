import { forEachLogitBatch, writeRunArtifact, type EvaluationContext, type Evaluator, type Metrics, type Network } from '@kd/core';
import type { CalibrationOptions } from './calibration.options.js';
import { top1Confidence } from './top1-confidence.js';
import { ReliabilityTally, expectedCalibrationError, maximumCalibrationError, type ReliabilityBin } from './reliability.js';

/** A split's samples binned by confidence, and how many of them had non-finite logits. */
export interface ReliabilityOfSplit {
  readonly tally: ReliabilityTally;
  readonly nonFinite: number;
}

/**
 * Confidence (top-1 softmax probability) and correctness of every sample of a split, binned. A sample with a
 * non-finite logit is a wrong prediction of confidence 1/C (see `top1Confidence`).
 */
export async function tallyReliability(
  network: Network,
  context: Pick<EvaluationContext, 'split' | 'batchSize'>,
  bins: number,
): Promise<ReliabilityOfSplit> {
  const tally = new ReliabilityTally(bins);
  let nonFinite = 0;
  await forEachLogitBatch(network, context, ({ values, labels, width }) => {
    const confidence = new Float64Array(labels.length);
    const correct = new Uint8Array(labels.length);
    for (let i = 0; i < labels.length; i++) {
      const top = top1Confidence(values, i, width);
      if (top.predicted < 0) nonFinite++;
      confidence[i] = top.confidence;
      correct[i] = top.predicted === labels[i] ? 1 : 0;
    }
    tally.add(confidence, correct);
  });
  return { tally, nonFinite };
}

interface Measured {
  readonly ece: number;
  readonly mce: number;
  /** Fraction of the samples whose logits were not all finite. */
  readonly nonFinite: number;
  readonly reliability: ReliabilityBin[];
}

const metricsOf = (prefix: string, m: Measured): Metrics => ({
  [`${prefix}.ece`]: m.ece,
  [`${prefix}.mce`]: m.mce,
  [`${prefix}.nonFinite`]: m.nonFinite,
});

/** Expected and maximum calibration error of the student (and teacher), with reliability-diagram data. */
export class CalibrationEvaluator implements Evaluator {
  private teacher: Measured | undefined;
  /** The last evaluation's reliability diagrams (also written to the run directory during a run). */
  lastReport: Readonly<Record<string, unknown>> | undefined;

  constructor(private readonly options: CalibrationOptions) {}

  private async measure(network: Network, context: EvaluationContext): Promise<Measured> {
    const { tally, nonFinite } = await tallyReliability(network, context, this.options.bins);
    const diagram = tally.diagram();
    const n = tally.total;
    return {
      ece: expectedCalibrationError(diagram),
      mce: maximumCalibrationError(diagram),
      nonFinite: n === 0 ? 0 : nonFinite / n,
      reliability: diagram,
    };
  }

  async evaluate(context: EvaluationContext): Promise<Metrics> {
    const student = await this.measure(context.student, context);
    if (this.options.teacher && context.teacher) this.teacher ??= await this.measure(context.teacher, context);
    const teacher = this.options.teacher ? this.teacher : undefined;
    this.lastReport = {
      evaluator: 'calibration',
      ...(context.stage !== undefined ? { stage: context.stage } : {}),
      epoch: context.epoch + 1,
      split: context.splitName,
      bins: this.options.bins,
      student,
      ...(teacher ? { teacher } : {}),
    };
    writeRunArtifact(context.runDir, this.options.artefactFile, this.lastReport);
    return { ...metricsOf('calibration.student', student), ...(teacher ? metricsOf('calibration.teacher', teacher) : {}) };
  }
}
