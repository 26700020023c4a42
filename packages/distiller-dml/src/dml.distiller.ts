import * as tf from '@tensorflow/tfjs-core';
import {
  keepingRunningStats,
  type Distiller,
  type DistillerEvaluation,
  type DistillerSetup,
  type LossTerms,
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
    // The student's logits leave the gradient closure kept, and come back into the step's scope as a clone.
    let keptLogits: tf.Tensor | undefined;
    const studentLogits = (): { studentLogits: tf.Tensor } => {
      const out = keptLogits!.clone();
      keptLogits!.dispose();
      return { studentLogits: out };
    };
    const peer = this.peerNetwork;
    const { klWeight: w, temperature: tau } = this.options;
    const own = (m: TrainableModule) => new Set(m.trainableVariables());
    if (this.options.update === 'simultaneous') {
      const parts: Record<string, number> = {};
      const total = this.update(optimizer, null, () => {
        const s = student.apply(x, { training: true }).logits;
        keptLogits = tf.keep(s);
        const q = peer.apply(x, { training: true }).logits;
        const a = dmlLossTerms(s, q, labels, tau);
        const b = dmlLossTerms(q, s, labels, tau);
        Object.assign(parts, read({ ce: a.ce, kl: a.kl, peerCe: b.ce, peerKl: b.kl }));
        return tf.addN([a.ce, tf.mul(a.kl, w), b.ce, tf.mul(b.kl, w)]) as tf.Scalar;
      });
      return { ...terms(total, parts), ...studentLogits() };
    }
    const parts: Record<string, number> = {};
    const first = this.update(optimizer, own(student), () => {
      const s = student.apply(x, { training: true }).logits;
      keptLogits = tf.keep(s);
      const q = keepingRunningStats(peer, () => peer.apply(x, { training: true }).logits);
      const a = dmlLossTerms(s, q, labels, tau);
      Object.assign(parts, read({ ce: a.ce, kl: a.kl }));
      return tf.add(a.ce, tf.mul(a.kl, w)) as tf.Scalar;
    });
    // Algorithm 1: the peer learns from the student's prediction after the student's update.
    const second = this.update(optimizer, own(peer), () => {
      const q = peer.apply(x, { training: true }).logits;
      const s = keepingRunningStats(student, () => student.apply(x, { training: true }).logits);
      const b = dmlLossTerms(q, s, labels, tau);
      Object.assign(parts, read({ peerCe: b.ce, peerKl: b.kl }));
      return tf.add(b.ce, tf.mul(b.kl, w)) as tf.Scalar;
    });
    return { ...terms(tf.add(first, second) as tf.Scalar, parts), ...studentLogits() };
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

function read(t: Record<string, tf.Scalar>): Record<string, number> {
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.dataSync()[0]!]));
}

function terms(total: tf.Scalar, parts: Record<string, number>): LossTerms {
  return { total, terms: Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, tf.scalar(v)])) };
}
