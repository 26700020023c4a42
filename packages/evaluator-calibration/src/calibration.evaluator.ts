import * as tf from '@tensorflow/tfjs-core';
import { writeRunArtifact, type EvaluationContext, type Evaluator, type Metrics, type Network } from '@kd/core';
import type { CalibrationOptions } from './calibration.options.js';
import { ReliabilityTally, expectedCalibrationError, maximumCalibrationError, type ReliabilityBin } from './reliability.js';

/** Confidence (top-1 softmax probability) and correctness of every sample of a split, binned. */
export async function tallyReliability(
  network: Network,
  context: Pick<EvaluationContext, 'split' | 'batchSize'>,
  bins: number,
): Promise<ReliabilityTally> {
  const tally = new ReliabilityTally(bins);
  for await (const batch of context.split.batches({ batchSize: context.batchSize, dropLast: false })) {
    try {
      tf.tidy(() => {
        const logits = network.apply(batch.x, { training: false }).logits;
        const confidence = tf.max(tf.softmax(logits), 1);
        // arg-max takes the lowest index on ties.
        const correct = tf.equal(tf.argMax(logits, 1), tf.cast(batch.y, 'int32'));
        tally.add(confidence.dataSync(), correct.dataSync());
      });
    } finally {
      batch.x.dispose();
      batch.y.dispose();
    }
  }
  return tally;
}

interface Measured {
  readonly ece: number;
  readonly mce: number;
  readonly reliability: ReliabilityBin[];
}

const metricsOf = (prefix: string, m: Measured): Metrics => ({ [`${prefix}.ece`]: m.ece, [`${prefix}.mce`]: m.mce });

/** Expected and maximum calibration error of the student (and teacher), with reliability-diagram data. */
export class CalibrationEvaluator implements Evaluator {
  private teacher: Measured | undefined;
  /** The last evaluation's reliability diagrams (also written to the run directory during a run). */
  lastReport: Readonly<Record<string, unknown>> | undefined;

  constructor(private readonly options: CalibrationOptions) {}

  private async measure(network: Network, context: EvaluationContext): Promise<Measured> {
    const reliability = await tallyReliability(network, context, this.options.bins);
    const diagram = reliability.diagram();
    return { ece: expectedCalibrationError(diagram), mce: maximumCalibrationError(diagram), reliability: diagram };
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
