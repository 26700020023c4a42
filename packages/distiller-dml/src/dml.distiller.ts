import * as tf from '@tensorflow/tfjs-core';
import {
  keepingRunningStats,
  releaseKept,
  type Distiller,
  type DistillerEvaluation,
  type DistillerSetup,
  type OwnStepTerms,
  type Metrics,
  type Network,
  type StepContext,
  type StepOptimizer,
  type TrainableModule,
} from '@kd/core';
import { dmlLossTerms } from './dml.loss.js';
import type { DmlOptions } from './dml.options.js';

export const DML_PEER_SCOPE = 'peer';
export const DML_METRICS = { peerTop1: 'peer.top1' } as const;

/** Top-1 accuracy of a network over a split, in inference mode. */
export async function top1(network: Network, context: Pick<DistillerEvaluation, 'split' | 'batchSize'>): Promise<number> {
  let hits = 0;
  let n = 0;
  for await (const batch of context.split.batches({ batchSize: context.batchSize, dropLast: false })) {
    try {
      hits += tf.tidy(
        () => tf.sum(tf.equal(tf.argMax(network.apply(batch.x, { training: false }).logits, 1), tf.cast(batch.y, 'int32'))).dataSync()[0]!,
      );
      n += batch.y.shape[0];
    } finally {
      batch.x.dispose();
      batch.y.dispose();
    }
  }
  return n === 0 ? 0 : hits / n;
}

/**
 * Deep mutual learning: the student and a peer (built by `createNetwork`, an extra module trained and checkpointed
 * with the student) each learn from the labels and from the other's prediction. Owns its update (`trainStep`).
 */
export class DmlDistiller implements Distiller {
  readonly usesTeacher = false;
  private peer: Network | undefined;

  constructor(readonly options: DmlOptions) {}

  async setup(setup: DistillerSetup): Promise<void> {
    const spec = Object.keys(this.options.peer).length
      ? (this.options.peer as { name: string } & Record<string, unknown>)
      : { ...setup.student.spec.options, name: setup.student.spec.name };
    this.peer = await setup.createNetwork(spec, DML_PEER_SCOPE);
  }

  get peerNetwork(): Network {
    if (!this.peer) throw new Error('dml: setup() has not run');
    return this.peer;
  }

  extraModules(): readonly TrainableModule[] {
    return [this.peerNetwork];
  }

  trainStep(context: StepContext): OwnStepTerms {
    const { x, labels, student, optimizer } = context;
    // What leaves the gradient closures (the student's logits, the loss terms) is kept there and released into the
    // step's scope after the updates, so the step reads the terms in its one device read.
    const kept: Record<string, tf.Tensor> = {};
    const done = (total: tf.Scalar): OwnStepTerms => {
      const { studentLogits, ...terms } = releaseKept(kept);
      return { total, terms: terms as Record<string, tf.Scalar>, studentLogits: studentLogits! };
    };
    const keep = (t: Record<string, tf.Tensor>) => {
      for (const [k, v] of Object.entries(t)) kept[k] = tf.keep(v);
    };
    const peer = this.peerNetwork;
    const { klWeight: w, temperature: tau } = this.options;
    const own = (m: TrainableModule) => new Set(m.trainableVariables());
    if (this.options.update === 'simultaneous') {
      const total = this.update(optimizer, null, () => {
        const s = student.apply(x, { training: true }).logits;
        const q = peer.apply(x, { training: true }).logits;
        const a = dmlLossTerms(s, q, labels, tau);
        const b = dmlLossTerms(q, s, labels, tau);
        keep({ studentLogits: s, ce: a.ce, kl: a.kl, peerCe: b.ce, peerKl: b.kl });
        return tf.addN([a.ce, tf.mul(a.kl, w), b.ce, tf.mul(b.kl, w)]) as tf.Scalar;
      });
      return done(total);
    }
    const first = this.update(optimizer, own(student), () => {
      const s = student.apply(x, { training: true }).logits;
      const q = keepingRunningStats(peer, () => peer.apply(x, { training: true }).logits);
      const a = dmlLossTerms(s, q, labels, tau);
      keep({ studentLogits: s, ce: a.ce, kl: a.kl });
      return tf.add(a.ce, tf.mul(a.kl, w)) as tf.Scalar;
    });
    // Algorithm 1: the peer learns from the student's prediction after the student's update.
    const second = this.update(optimizer, own(peer), () => {
      const q = peer.apply(x, { training: true }).logits;
      const s = keepingRunningStats(student, () => student.apply(x, { training: true }).logits);
      const b = dmlLossTerms(q, s, labels, tau);
      keep({ peerCe: b.ce, peerKl: b.kl });
      return tf.add(b.ce, tf.mul(b.kl, w)) as tf.Scalar;
    });
    return done(tf.add(first, second) as tf.Scalar);
  }

  /** One optimiser update of the optimiser's variables (restricted to `only` when given) from a loss closure. */
  private update(optimizer: StepOptimizer, only: Set<tf.Variable> | null, loss: () => tf.Scalar): tf.Scalar {
    const vars = optimizer.params.map((p) => p.variable).filter((v) => !only || only.has(v));
    const { value, grads } = tf.variableGrads(loss, vars);
    const map = new Map<tf.Variable, tf.Tensor>();
    for (const v of vars) if (grads[v.name]) map.set(v, grads[v.name]!);
    optimizer.applyGradients(map);
    tf.dispose(grads);
    return value;
  }

  async evaluate(context: DistillerEvaluation): Promise<Metrics> {
    return { [DML_METRICS.peerTop1]: await top1(this.peerNetwork, context) };
  }

  dispose(): void {
    this.peer?.dispose();
  }
}
