import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { BackboneContext, ForwardOptions, NamedVariable, Network, NetworkOutput, StageInfo } from '../contracts/network.js';
import { initializeVariable, type InitializerSpec } from '../engine/initializers.js';
import type { Rng } from '../rng/rng.js';
import { LayerGraph } from './layer-graph.js';
import { setRunningVariance, type RunningVariance } from './batch-normalization.js';

/** One stage (or the head) of stage-by-stage execution: what is fed, what is fetched, which variables it owns. */
interface Segment {
  readonly feeds: tfl.SymbolicTensor[];
  readonly names: string[];
  readonly fetches: tfl.SymbolicTensor[];
  readonly variables: tf.Variable[];
}

/** A tfjs-layers functional model whose outputs are the named features, then `embedding`, then `logits`. */
export interface BuiltLayersModel {
  readonly names: readonly string[];
  readonly model: tfl.LayersModel;
}

/**
 * PyTorch's initialisation of the reference CNNs, drawn from the run's RNG in weight order (deterministic):
 * convolution kernels Kaiming-normal (fan-out, ReLU), dense kernels and all biases U(±1/√fan_in), batch norm
 * γ = 1, β = 0, running mean 0, running variance 1.
 */
export function initializeLikePyTorch(model: tfl.LayersModel, rng: Rng): void {
  for (const w of model.weights) {
    const v = w.read() as tf.Variable;
    const n = w.originalName;
    let spec: InitializerSpec;
    if (n.endsWith('/kernel')) spec = v.rank === 4 ? { type: 'kaimingNormal', mode: 'fanOut' } : { type: 'torchDefault' };
    else if (n.endsWith('/bias')) {
      const kernel = model.weights.find((k) => k.originalName === n.replace(/\/bias$/, '/kernel'));
      const shape = (kernel?.shape ?? [1]) as number[];
      spec = { type: 'torchDefaultBias', fanIn: shape.length === 4 ? shape[0]! * shape[1]! * shape[2]! : shape[0]! };
    } else if (n.endsWith('/gamma') || n.endsWith('/moving_variance')) spec = { type: 'ones' };
    else spec = { type: 'zeros' };
    initializeVariable(v, spec, rng);
  }
}

/**
 * The part of a backbone that does not depend on its architecture: forward pass to named outputs, variables with
 * scope-free names (a teacher trained as `student` loads into `teacher`), parameter count, export of the classifier
 * alone. A subclass builds its model in its constructor and hands it to `finish`.
 */
export abstract class LayersNetwork implements Network {
  readonly name: string;
  readonly stages: StageInfo[] = [];
  readonly numClasses: number;
  readonly inputShape: readonly [number, number, number];
  readonly spec: { readonly name: string; readonly options: Readonly<Record<string, unknown>> };
  protected readonly scope: string;
  /** Forward FLOPs for one image, accumulated by the subclass while it builds (a multiply-add counts 2). */
  protected flops = 0;
  private built: BuiltLayersModel | undefined;
  private segments: Segment[] | undefined;
  private readonly graph = new LayerGraph();
  private readonly runningVariance: RunningVariance | undefined;

  protected constructor(backbone: string, options: Readonly<Record<string, unknown>>, context: BackboneContext) {
    this.numClasses = context.numClasses;
    this.inputShape = context.inputShape;
    this.scope = context.scope;
    this.name = context.scope;
    this.spec = { name: backbone, options: { ...options } };
    this.runningVariance = context.batchNorm?.runningVariance;
  }

  /** Layer names are prefixed with the scope so teacher and student of one architecture can coexist. */
  protected scoped(name: string): string {
    return `${this.scope}_${name}`;
  }

  /**
   * The tail every classifier backbone shares: global average pooling to `embedding`, a linear classifier (counted
   * in FLOPs) to `logits`, and the functional model whose outputs are the tapped features, then those two.
   */
  protected poolAndClassify(
    input: tfl.SymbolicTensor,
    last: tfl.SymbolicTensor,
    taps: { readonly names: string[]; readonly outputs: tfl.SymbolicTensor[] },
    modelName: string,
  ): BuiltLayersModel {
    const embedding = tfl.layers.globalAveragePooling2d({ name: this.scoped('gap') }).apply(last) as tfl.SymbolicTensor;
    this.flops += 2 * (embedding.shape[1] as number) * this.numClasses;
    const logits = tfl.layers.dense({ units: this.numClasses, name: this.scoped('classifier') }).apply(embedding) as tfl.SymbolicTensor;
    const names = [...taps.names, 'embedding', 'logits'];
    const outputs = [...taps.outputs, embedding, logits];
    return { names, model: tfl.model({ inputs: input, outputs, name: this.scoped(modelName) }) };
  }

  protected finish(built: BuiltLayersModel, rng: Rng): void {
    this.built = built;
    // The run's rule reaches the layers here, so backbones build them without knowing the training settings.
    if (this.runningVariance) setRunningVariance(built.model, this.runningVariance);
    initializeLikePyTorch(built.model, rng);
  }

  private get model(): BuiltLayersModel {
    if (!this.built) throw new Error(`${this.spec.name}: the network was used before it was built`);
    return this.built;
  }

  apply(x: tf.Tensor4D, options: ForwardOptions): NetworkOutput {
    const { model, names } = this.model;
    const outs = model.apply(x, { training: options.training }) as tf.Tensor[];
    const features: Record<string, tf.Tensor> = {};
    let embedding: tf.Tensor2D | undefined;
    let logits: tf.Tensor2D | undefined;
    names.forEach((n, i) => {
      if (n === 'logits') logits = outs[i] as tf.Tensor2D;
      else if (n === 'embedding') embedding = outs[i] as tf.Tensor2D;
      else features[n] = outs[i]!;
    });
    return { logits: logits!, embedding: embedding!, features };
  }

  applyStage(index: number, input: tf.Tensor, options: ForwardOptions): Record<string, tf.Tensor> {
    if (!Number.isInteger(index) || index < 0 || index >= this.stages.length) {
      throw new RangeError(`${this.spec.name}: stage index ${index} is out of range 0..${this.stages.length - 1}`);
    }
    const segment = this.segmentList()[index]!;
    const outs = this.graph.run(segment.fetches, segment.feeds, [input], options);
    return Object.fromEntries(segment.names.map((n, i) => [n, outs[i]!]));
  }

  applyHead(input: tf.Tensor, options: ForwardOptions): NetworkOutput {
    const segment = this.segmentList()[this.stages.length]!;
    const outs = this.graph.run(segment.fetches, segment.feeds, [input], options);
    const features: Record<string, tf.Tensor> = {};
    segment.names.forEach((n, i) => {
      if (n !== 'embedding' && n !== 'logits') features[n] = outs[i]!;
    });
    const at = (n: string) => outs[segment.names.indexOf(n)] as tf.Tensor2D;
    return { embedding: at('embedding'), logits: at('logits'), features };
  }

  stageVariables(index: number): tf.Variable[] {
    const segment = this.segmentList()[index];
    if (!segment) throw new RangeError(`${this.spec.name}: stage index ${index} is out of range 0..${this.stages.length}`);
    return [...segment.variables];
  }

  /**
   * Splits the graph at the stage outputs. A feature belongs to the first segment that can compute it and that the
   * next boundary cannot (e.g. `stage2_preact` to stage 2); embedding and logits belong to the head.
   */
  private segmentList(): Segment[] {
    if (this.segments) return this.segments;
    const { model, names } = this.model;
    const byName = new Map(names.map((n, i) => [n, model.outputs[i]!]));
    const boundaries = this.stages.map((s) => {
      const t = byName.get(s.name);
      if (!t) throw new Error(`${this.spec.name}: stage ${s.name} has no feature of the same name to split at`);
      return t;
    });
    const stageNames = new Set(this.stages.map((s) => s.name));
    const assigned = new Set<string>();
    const segments: Segment[] = [];
    for (let i = 0; i <= boundaries.length; i++) {
      const feeds = i === 0 ? [...model.inputs] : [boundaries[i - 1]!];
      const own: string[] = i < boundaries.length ? [this.stages[i]!.name] : ['embedding', 'logits'];
      for (const n of names) {
        if (stageNames.has(n) || n === 'embedding' || n === 'logits' || assigned.has(n)) continue;
        const t = byName.get(n)!;
        const later = i < boundaries.length ? this.graph.computableFrom(t, [boundaries[i]!]) : false;
        if (!later && this.graph.computableFrom(t, feeds)) own.push(n);
      }
      own.forEach((n) => assigned.add(n));
      const fetches = own.map((n) => byName.get(n)!);
      const layers = this.graph.layersBetween(fetches, feeds);
      const variables = layers.flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable));
      segments.push({ feeds, names: own, fetches, variables });
    }
    const owners = new Map<string, number>();
    segments.forEach((s, i) =>
      s.variables.forEach((v) => {
        if (owners.has(v.name) && owners.get(v.name) !== i) {
          throw new Error(
            `${this.spec.name}: variable ${v.name} is used by stages ${owners.get(v.name)} and ${i}; stages must not share weights`,
          );
        }
        owners.set(v.name, i);
      }),
    );
    this.segments = segments;
    return segments;
  }

  trainableVariables(): tf.Variable[] {
    return this.model.model.trainableWeights.map((w) => w.read() as tf.Variable);
  }

  stateVariables(): NamedVariable[] {
    const prefix = `${this.scope}_`;
    return this.model.model.weights.map((w) => ({
      name: w.originalName.startsWith(prefix) ? w.originalName.slice(prefix.length) : w.originalName,
      variable: w.read() as tf.Variable,
    }));
  }

  countParams(): number {
    return this.model.model.trainableWeights.reduce((a, w) => a + (w.shape as number[]).reduce((p, d) => p * d, 1), 0);
  }

  countFlops(): number {
    return this.flops;
  }

  /** The classifier alone (input → logits) as a standard tfjs layers model, for export. */
  toLayersModel(): tfl.LayersModel {
    const m = this.model.model;
    return tfl.model({ inputs: m.inputs, outputs: m.outputs[m.outputs.length - 1]!, name: `${this.scope}_classifier` });
  }

  dispose(): void {
    this.built?.model.dispose();
  }
}
