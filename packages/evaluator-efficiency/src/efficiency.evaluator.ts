import * as tf from '@tensorflow/tfjs-core';
import { KdInputError, writeRunArtifact, type EvaluationContext, type Evaluator, type Metrics, type Network } from '@kd/core';
import type { EfficiencyOptions } from './efficiency.options.js';
import { measureLatency } from './latency.js';

/** The first `size` images of the split, as one batch. */
async function firstImages(context: EvaluationContext, size: number): Promise<tf.Tensor4D> {
  for await (const batch of context.split.batches({ batchSize: size, dropLast: false })) {
    batch.y.dispose();
    return batch.x;
  }
  throw new KdInputError(`the "efficiency" evaluator needs images to time; the ${context.splitName} split is empty`);
}

/** Size and speed of the student and the teacher: parameters, FLOPs, latency and throughput on the active backend. */
export class EfficiencyEvaluator implements Evaluator {
  private measured: Metrics | undefined;
  /** The last measurement in full (also written to the run directory during a run). */
  lastReport: Readonly<Record<string, unknown>> | undefined;

  constructor(
    private readonly options: EfficiencyOptions,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  async evaluate(context: EvaluationContext): Promise<Metrics> {
    if (this.measured && this.options.repeat === 'once') return this.measured;
    const x = await firstImages(context, this.options.batchSize || context.batchSize);
    try {
      const networks: [string, Network][] = [['student', context.student]];
      if (this.options.teacher && context.teacher) networks.push(['teacher', context.teacher]);
      const metrics: Record<string, number> = { 'efficiency.batchSize': x.shape[0] };
      const report: Record<string, unknown> = {
        evaluator: 'efficiency',
        ...(context.stage !== undefined ? { stage: context.stage } : {}),
        epoch: context.epoch + 1,
        backend: tf.getBackend(),
        batchSize: x.shape[0],
        runs: this.options.runs,
        warmupRuns: this.options.warmupRuns,
      };
      for (const [role, network] of networks) {
        const flops = network.countFlops?.();
        const latency = await measureLatency(network, x, this.options.runs, this.options.warmupRuns, this.clock);
        const m: Record<string, number> = {
          [`efficiency.${role}.params`]: network.countParams(),
          ...(flops !== undefined ? { [`efficiency.${role}.flops`]: flops } : {}),
          [`efficiency.${role}.latencyMs`]: latency.latencyMs,
          [`efficiency.${role}.imagesPerSecond`]: latency.imagesPerSecond,
        };
        Object.assign(metrics, m);
        report[role] = { params: network.countParams(), flops: flops ?? null, ...latency };
      }
      this.measured = metrics;
      this.lastReport = report;
      writeRunArtifact(context.runDir, this.options.artefactFile, report);
      return metrics;
    } finally {
      x.dispose();
    }
  }
}
