import * as tf from '@tensorflow/tfjs-core';
import { writeRunArtifact, type EvaluationContext, type Evaluator, type Metrics, type Network } from '@kd/core';
import type { AccuracyOptions } from './accuracy.options.js';
import { countTopK } from './top-k.js';
import { addToConfusion, classMeanAccuracy, classSupport, emptyConfusion, perClassAccuracy, type ConfusionMatrix } from './confusion.js';

/** Top-k hit counts over a split and, when `numClasses` is given, the confusion matrix of the arg-max predictions. */
export interface ClassifierTally {
  readonly n: number;
  readonly hits: ReadonlyMap<number, number>;
  readonly confusion?: ConfusionMatrix;
}

/** One inference pass of a network over a split: top-k hits and (optionally) the confusion matrix. */
export async function tallyClassifier(
  network: Network,
  context: Pick<EvaluationContext, 'split' | 'batchSize'>,
  ks: readonly number[],
  numClasses?: number,
): Promise<ClassifierTally> {
  const hits = new Map<number, number>(ks.map((k) => [k, 0]));
  const confusion = numClasses === undefined ? undefined : emptyConfusion(numClasses);
  let n = 0;
  for await (const batch of context.split.batches({ batchSize: context.batchSize, dropLast: false })) {
    try {
      // apply() returns every stage output: tidy frees them all, not only the logits.
      tf.tidy(() => {
        const logits = network.apply(batch.x, { training: false }).logits;
        for (const k of ks) hits.set(k, hits.get(k)! + countTopK(logits, batch.y, k));
        if (confusion) addToConfusion(confusion, batch.y.dataSync(), tf.argMax(logits, 1).dataSync());
      });
      n += batch.y.shape[0];
    } finally {
      batch.x.dispose();
      batch.y.dispose();
    }
  }
  return confusion ? { n, hits, confusion } : { n, hits };
}

/** Top-k accuracy over a split, in inference mode. */
export async function topKAccuracy(
  network: Network,
  context: Pick<EvaluationContext, 'split' | 'batchSize'>,
  ks: readonly number[],
): Promise<Record<number, number>> {
  const { n, hits } = await tallyClassifier(network, context, ks);
  return Object.fromEntries(ks.map((k) => [k, n === 0 ? 0 : hits.get(k)! / n]));
}

/** What `accuracy.json` holds for one network. */
export interface ClassReport {
  readonly examples: number;
  /** Recall of each class; `null` for a class absent from the split. */
  readonly perClass: (number | null)[];
  readonly support: number[];
  /** `confusion[label][predicted]`, predicted = arg-max of the logits (lowest index on ties). */
  readonly confusion: ConfusionMatrix;
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
    if (!tally.confusion) return { metrics };
    const perClass = perClassAccuracy(tally.confusion);
    metrics[`${prefix}.meanClassTop1`] = classMeanAccuracy(perClass);
    return { metrics, report: { examples: tally.n, perClass, support: classSupport(tally.confusion), confusion: tally.confusion } };
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
        student: { ...unprefixed(student.metrics), ...student.report },
        ...(this.teacher?.report ? { teacher: { ...unprefixed(this.teacher.metrics), ...this.teacher.report } } : {}),
      };
      writeRunArtifact(context.runDir, this.options.artefactFile, this.lastReport);
    }
    return out;
  }
}
