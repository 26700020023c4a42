import * as tf from '@tensorflow/tfjs-core';
import {
  crossEntropy,
  KdInputError,
  keepingRunningStats,
  releaseKept,
  klDivergence,
  linearCka,
  stopGradient,
  type Distiller,
  type DistillerEvaluation,
  type DistillerSetup,
  type LossTerms,
  type OwnStepTerms,
  type Metrics,
  type Network,
  type StepOptimizer,
  type Rng,
  type StepContext,
  type TrainableModule,
} from '@kd/core';
import {
  AutoEncoderModule,
  EncoderModule,
  checkSpatialMatch,
  reconstructionLoss,
  resolveFeatureTap,
  tapped,
  type FeatureTap,
} from '@kd/distiller-ft';
import { ChannelSplitter } from './channel-split.js';
import { explorationLoss, inheritanceLoss } from './ie-kd.loss.js';
import type { IeKdOptions } from './ie-kd.options.js';
import { ieKdFeatureName } from './ie-kd.feature.js';

export const MUTUAL_PEER_SCOPE = 'peer';
export const MUTUAL_METRICS = {
  peerTop1: 'peer.top1',
  inheritance: 'ie-kd.cka.inheritance',
  exploration: 'ie-kd.cka.exploration',
} as const;

/** One network of the pair with its own auto-encoder (its factors for the other) and split encoders (its learning). */
interface Side {
  readonly network: Network;
  readonly tap: FeatureTap;
  readonly autoEncoder: AutoEncoderModule;
  readonly splitter: ChannelSplitter;
  readonly inheritance: EncoderModule;
  readonly exploration: EncoderModule;
  readonly modules: readonly TrainableModule[];
}

function buildSide(prefix: string, network: Network, tap: FeatureTap, k: number, o: IeKdOptions, rng: Rng): Side {
  const c = tap.shape[2];
  if (c < 2)
    throw new KdInputError(
      `/distiller/studentFeature: "${tap.name}" of ${network.name} has ${c} channel; the mutual form splits it and needs at least 2`,
    );
  const coder = (inChannels: number) => ({ inChannels, outChannels: k, leakySlope: o.leakySlope });
  const autoEncoder = new AutoEncoderModule(`${prefix}ae`, coder(c), rng);
  const inheritance = new EncoderModule(`${prefix}inheritance`, coder(Math.ceil(c / 2)), rng);
  const exploration = new EncoderModule(`${prefix}exploration`, coder(c - Math.ceil(c / 2)), rng);
  const splitter = new ChannelSplitter(o.split, c, rng, o.oddChannel, `${prefix}split`);
  return { network, tap, autoEncoder, splitter, inheritance, exploration, modules: [autoEncoder, splitter, inheritance, exploration] };
}

/**
 * The mutual-learning form of IE-KD: the student and a peer train together from scratch; each network's own
 * auto-encoder (trained online with the reconstruction loss on its detached feature) provides the factors the other
 * inherits from and explores away from, and both add the DML term KL(p_other ‖ p_self). Alternating updates as DML's
 * Algorithm 1: the student steps against the peer's current outputs, then the peer against the updated student's.
 */
export class MutualIeKdDistiller implements Distiller {
  readonly usesTeacher = false;
  private student: Side | undefined;
  private peer: Side | undefined;

  constructor(readonly options: IeKdOptions) {
    if (options.split === 'none')
      throw new KdInputError('/distiller/split: the mutual form needs a split ("natural" or "random"), got "none"');
  }

  async setup(setup: DistillerSetup): Promise<void> {
    const o = this.options;
    const spec = Object.keys(o.peer).length
      ? (o.peer as { name: string } & Record<string, unknown>)
      : { ...setup.student.spec.options, name: setup.student.spec.name };
    const peer = await setup.createNetwork(spec, MUTUAL_PEER_SCOPE);
    const sTap = resolveFeatureTap(setup.student, ieKdFeatureName(setup.student, o.studentFeature), '/distiller/studentFeature');
    const pFeature = o.teacherFeature === 'last' ? o.studentFeature : o.teacherFeature;
    const pTap = resolveFeatureTap(peer, ieKdFeatureName(peer, pFeature), '/distiller/teacherFeature');
    checkSpatialMatch(sTap, pTap, 'ie-kd (mutual)');
    const k = o.factorChannels > 0 ? o.factorChannels : Math.max(1, Math.round(o.factorRate * sTap.shape[2]));
    this.student = buildSide('ie-kd.', setup.student, sTap, k, o, setup.rng);
    this.peer = buildSide('ie-kd.peer-', peer, pTap, k, o, setup.rng);
  }

  private get sides(): [Side, Side] {
    if (!this.student || !this.peer) throw new Error('ie-kd (mutual): setup() has not run');
    return [this.student, this.peer];
  }

  get peerNetwork(): Network {
    return this.sides[1].network;
  }

  extraModules(): readonly TrainableModule[] {
    const [s, p] = this.sides;
    return [p.network, ...s.modules, ...p.modules];
  }

  trainStep(context: StepContext): OwnStepTerms {
    const [s, p] = this.sides;
    const a = this.learn(s, p, context, context.optimizer, '');
    const b = this.learn(p, s, context, context.optimizer, 'peer.');
    return { total: tf.add(a.total, b.total) as tf.Scalar, terms: { ...a.terms, ...b.terms }, studentLogits: a.logits };
  }

  /** One update of `self` (network and modules) against `other`'s current prediction and factors (constants). */
  private learn(
    self: Side,
    other: Side,
    context: StepContext,
    optimizer: StepOptimizer,
    prefix: string,
  ): LossTerms & { logits: tf.Tensor } {
    const o = this.options;
    const tau = o.temperature;
    const target = tf.tidy(() =>
      keepingRunningStats([other.network, other.autoEncoder], () => {
        const out = other.network.apply(context.x, { training: true });
        return { logits: out.logits, factor: other.autoEncoder.encode(tapped(out, other.tap), true) };
      }),
    );
    const own = new Set([self.network, ...self.modules].flatMap((m) => m.trainableVariables()));
    const vars = optimizer.params.map((q) => q.variable).filter((v) => own.has(v));
    // Kept past the gradient closure and released into the step's scope after the update, so the step reads the terms
    // in its one device read.
    const kept: Record<string, tf.Tensor> = {};
    const { value, grads } = tf.variableGrads(() => {
      const out = self.network.apply(context.x, { training: true });
      kept.logits = tf.keep(out.logits);
      const feature = tapped(out, self.tap);
      const parts = self.splitter.apply(feature);
      const ce = crossEntropy(out.logits, context.labels);
      const kl = tf.mul(tf.mean(klDivergence(tf.div(out.logits, tau), tf.div(target.logits, tau))), tau * tau) as tf.Scalar;
      const inh = inheritanceLoss(self.inheritance.apply(parts.inheritance, true), target.factor, o.p, o.distanceForm);
      const exp = explorationLoss(self.exploration.apply(parts.exploration!, true), target.factor, o.explorationLoss, o.p, o.distanceForm);
      const detached = stopGradient(feature);
      const rec = reconstructionLoss(detached, self.autoEncoder.apply(detached, true).reconstruction, o.reconstructionNorm);
      const terms = { ce, kl, inheritance: inh, exploration: exp, reconstruction: rec };
      for (const [k, v] of Object.entries(terms)) kept[`${prefix}${k}`] = tf.keep(v);
      return tf.addN([
        tf.mul(ce, o.ceWeight),
        tf.mul(kl, o.klWeight),
        tf.mul(inh, o.inheritanceWeight),
        tf.mul(exp, o.explorationWeight),
        tf.mul(rec, o.reconstructionWeight),
      ]) as tf.Scalar;
    }, vars);
    const map = new Map<tf.Variable, tf.Tensor>();
    for (const v of vars) if (grads[v.name]) map.set(v, grads[v.name]!);
    optimizer.applyGradients(map);
    tf.dispose(grads);
    tf.dispose(target);
    const { logits, ...terms } = releaseKept(kept);
    return { total: value, terms: terms as Record<string, tf.Scalar>, logits: logits! };
  }

  /** The peer's top-1, and CKA of the student's inheritance/exploration factors with the peer's factors. */
  async evaluate(context: DistillerEvaluation): Promise<Metrics> {
    const [s, p] = this.sides;
    let hits = 0;
    let n = 0;
    const f: { t: tf.Tensor2D[]; inh: tf.Tensor2D[]; exp: tf.Tensor2D[] } = { t: [], inh: [], exp: [] };
    try {
      for await (const batch of context.split.batches({ batchSize: context.batchSize, dropLast: false })) {
        try {
          const take = Math.min(Math.max(0, this.options.ckaSamples - n), batch.x.shape[0]);
          const r = tf.tidy(() => {
            const po = p.network.apply(batch.x, { training: false });
            const correct = tf.sum(tf.equal(tf.argMax(po.logits, 1), tf.cast(batch.y, 'int32')));
            if (take === 0) return { correct };
            const flat = (t: tf.Tensor) => tf.reshape(tf.slice(t, 0, take), [take, -1]) as tf.Tensor2D;
            const parts = s.splitter.apply(tapped(s.network.apply(batch.x, { training: false }), s.tap));
            return {
              correct,
              t: flat(p.autoEncoder.encode(tapped(po, p.tap), false)),
              inh: flat(s.inheritance.apply(parts.inheritance, false)),
              exp: flat(s.exploration.apply(parts.exploration!, false)),
            };
          });
          hits += r.correct.dataSync()[0]!;
          r.correct.dispose();
          if (r.t) {
            f.t.push(r.t);
            f.inh.push(r.inh!);
            f.exp.push(r.exp!);
          }
          n += batch.x.shape[0];
        } finally {
          batch.x.dispose();
          batch.y.dispose();
        }
      }
      const out: Record<string, number> = { [MUTUAL_METRICS.peerTop1]: n === 0 ? 0 : hits / n };
      if (f.t.length && f.t.reduce((a, t) => a + t.shape[0], 0) > 1) {
        const j = tf.tidy(() => ({ t: tf.concat(f.t, 0), inh: tf.concat(f.inh, 0), exp: tf.concat(f.exp, 0) }));
        out[MUTUAL_METRICS.inheritance] = linearCka(j.inh, j.t);
        out[MUTUAL_METRICS.exploration] = linearCka(j.exp, j.t);
        tf.dispose(j);
      }
      return out;
    } finally {
      tf.dispose([...f.t, ...f.inh, ...f.exp]);
    }
  }

  dispose(): void {
    for (const side of [this.student, this.peer]) for (const m of side?.modules ?? []) m.dispose();
    this.peer?.network.dispose();
  }
}
