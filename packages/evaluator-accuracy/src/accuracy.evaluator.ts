import { writeRunArtifact, type EvaluationContext, type Evaluator, type Metrics, type Network } from '@kd/core';
import type { AccuracyOptions } from './accuracy.options.js';
import { tallyClassifier } from './classifier-tally.js';
import { classMeanAccuracy, classSupport, perClassAccuracy, type ConfusionMatrix } from './confusion.js';

/** What `accuracy.json` holds for one network. */
export interface ClassReport {
  readonly examples: number;
  /** Recall of each class; `null` for a class absent from the split. */
  readonly perClass: (number | null)[];
  readonly support: number[];
  /** `confusion[label][predicted]`, predicted = arg-max of the logits (lowest index on ties). */
  readonly confusion: ConfusionMatrix;
  /** Samples of each class whose logits were not all finite: in no column of `confusion`, misses in `perClass`. */
  readonly nonFinitePerClass: number[];
}

interface Measured {
  readonly metrics: Metrics;
  readonly report?: ClassReport;
}

/** The network's metrics without their `<network>.` prefix, for its section of the report. */
function unprefixed(metrics: Metrics): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k.slice(k.indexOf('.') + 1), v]));
}

export class AccuracyEvaluator implements Evaluator {
  private teacher: Measured | undefined;
  /** The last evaluation's per-class report (also written to the run directory during a run). */
  lastReport: Readonly<Record<string, unknown>> | undefined;

  constructor(private readonly options: AccuracyOptions) {}

  private async measure(prefix: string, network: Network, context: EvaluationContext): Promise<Measured> {
    const ks = this.options.topK.map((k) => Math.min(k, context.numClasses));
    const tally = await tallyClassifier(network, context, ks, this.options.perClass ? context.numClasses : undefined);
    const acc = (k: number) => (tally.n === 0 ? 0 : tally.hits.get(k)! / tally.n);
    const metrics: Record<string, number> = Object.fromEntries(this.options.topK.map((k, i) => [`${prefix}.top${k}`, acc(ks[i]!)]));
    // Always reported (0 when every row is finite), so a diverged network shows in metrics.jsonl and not only as low accuracy.
    metrics[`${prefix}.nonFinite`] = tally.n === 0 ? 0 : tally.nonFinite / tally.n;
    if (!tally.confusion) return { metrics };
    const perClass = perClassAccuracy(tally.confusion);
    metrics[`${prefix}.meanClassTop1`] = classMeanAccuracy(perClass);
    const { matrix, nonFinite } = tally.confusion;
    return {
      metrics,
      report: { examples: tally.n, perClass, support: classSupport(tally.confusion), confusion: matrix, nonFinitePerClass: nonFinite },
    };
  }

  async evaluate(context: EvaluationContext): Promise<Metrics> {
    const student = await this.measure('student', context.student, context);
    const out: Record<string, number> = { ...student.metrics };
    if (this.options.teacher && context.teacher) {
      this.teacher ??= await this.measure('teacher', context.teacher, context);
      Object.assign(out, this.teacher.metrics);
    }
    if (student.report) {
      this.lastReport = {
        evaluator: 'accuracy',
        ...(context.stage !== undefined ? { stage: context.stage } : {}),
        epoch: context.epoch + 1,
        split: context.splitName,
        numClasses: context.numClasses,
        // Without names from the dataset, readers label classes by index.
        ...(context.classNames?.length === context.numClasses ? { classNames: [...context.classNames] } : {}),
        student: { ...unprefixed(student.metrics), ...student.report },
        ...(this.teacher?.report ? { teacher: { ...unprefixed(this.teacher.metrics), ...this.teacher.report } } : {}),
      };
      writeRunArtifact(context.runDir, this.options.artefactFile, this.lastReport);
    }
    return out;
  }
}
