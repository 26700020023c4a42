import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModelSync, type GraphModel as ConverterGraphModel } from '@tensorflow/tfjs-converter';
import { KdInputError, type NetworkOutput, type StageInfo } from '@kd/core';
import { readGraphModel, type GraphModelFiles, type GraphNodeEntry } from './graph-model-files.js';
import type { ReadLimits } from './model-files.js';

/** What the graph teacher needs of the backbone's options and context. */
export interface GraphTeacherSetup {
  readonly layout: 'NHWC' | 'NCHW';
  readonly logits: string;
  readonly embedding: string;
  readonly stages: Readonly<Record<string, string>>;
  readonly numClasses: number;
  readonly inputShape: readonly [number, number, number];
}

/** A graph model loaded from an in-memory (synchronous) IO handler. */
type GraphModel = ConverterGraphModel<tf.io.IOHandlerSync>;

const NCHW_TO_NHWC = [0, 2, 3, 1];
const NHWC_TO_NCHW = [0, 3, 1, 2];
const shapeText = (dims: readonly (number | null)[]): string => `[${dims.map((d) => (d === null || d < 0 ? 'batch' : d)).join(', ')}]`;
/** `node:0` and `node` are the same tensor; `node:k` another output of the node. */
const nodeOf = (tensor: string): string => tensor.replace(/:\d+$/, '');

/**
 * The converter's view of the loaded graph. Not part of its typed API: read here only to learn which op each node was
 * mapped to (an op the converter does not implement has no category; one registered with tf.registerOp has
 * "custom"), which it otherwise reports only when the node runs. Pinned with @tensorflow/tfjs-converter 4.22.
 */
interface ConverterInternals {
  readonly executor?: { readonly graph?: { readonly nodes?: Record<string, { op: string; category?: string }> } };
}

/**
 * A frozen teacher read from a TensorFlow.js graph model (tensorflowjs_converter's `--input_format tf_saved_model` /
 * `tf_frozen_model` output). The files are read and checked by `readGraphModel`, handed to the converter through an
 * IO handler over the bytes already read (it fetches nothing), and the graph is checked op by op. One dry run on a
 * zero image then checks the tapped nodes: logits [batch, numClasses], stages of rank ≥ 2 whose spatial size fits the
 * input; their shapes are the stages' shapes.
 */
export class GraphTeacher {
  readonly stages: readonly StageInfo[];
  readonly params: number;
  private readonly logits: string;
  private readonly embedding: string | undefined;
  private readonly outputs: readonly string[];

  private constructor(
    private readonly model: GraphModel,
    private readonly setup: GraphTeacherSetup,
    files: GraphModelFiles,
    where: string,
  ) {
    const byName = new Map(files.nodes.map((n) => [n.name, n]));
    checkOps(model, byName, where);
    if (model.inputs.length !== 1)
      throw new KdInputError(
        `${where}: the graph has ${model.inputs.length} inputs (${model.inputNodes.map((n) => `"${n}"`).join(', ')}); kd feeds one, the images`,
      );
    const [h, w, c] = setup.inputShape;
    const nchw = setup.layout === 'NCHW';
    const expected = nchw ? [-1, c, h, w] : [-1, h, w, c];
    const got = model.inputs[0]!.shape;
    if (got && (got.length !== 4 || got.some((d, i) => i > 0 && d >= 0 && d !== expected[i])))
      throw new KdInputError(
        `${where}: the graph's input "${model.inputNodes[0]}" is ${shapeText(got)}; expected ${shapeText(expected)} (${setup.layout}, /teacher/backbone/layout, for the dataset's ${h}×${w}×${c} images)`,
      );
    const known = (tensor: string, option: string): string => {
      if (!byName.has(nodeOf(tensor))) throw unknownNode(tensor, option, files.nodes, where);
      return tensor;
    };
    this.logits = setup.logits
      ? withoutSoftmax(known(setup.logits, '/teacher/backbone/logits'), byName)
      : defaultLogits(model, byName, where);
    this.embedding = setup.embedding ? known(setup.embedding, '/teacher/backbone/embedding') : pooledInput(this.logits, byName);
    const stageEntries = Object.entries(setup.stages).map(([kdName, node]) => ({
      kdName,
      node: known(node, `/teacher/backbone/stages/${kdName}`),
    }));
    this.outputs = [this.logits, ...(this.embedding ? [this.embedding] : []), ...stageEntries.map((s) => s.node)];

    // The dry run: one zero image through every tapped node.
    const shapes = tf.tidy(() => {
      const x = tf.zeros(nchw ? [1, c, h, w] : [1, h, w, c]);
      let outs: tf.Tensor[];
      try {
        outs = this.execute(x);
      } catch (e) {
        throw new KdInputError(`${where}: TensorFlow.js could not run the graph to its tapped nodes: ${(e as Error).message}`);
      }
      return outs.map((t) => t.shape);
    });
    const logitsShape = shapes[0]!;
    if (logitsShape.length !== 2 || logitsShape[0] !== 1 || logitsShape[1] !== setup.numClasses)
      throw new KdInputError(
        `${where}: node "${this.logits}" (/teacher/backbone/logits) gives ${shapeText(logitsShape)} for one image; expected [1, ${setup.numClasses}], the dataset's ${setup.numClasses} classes`,
      );
    let first = 1;
    if (this.embedding) {
      const e = shapes[1]!;
      if (e.length !== 2 || e[0] !== 1) {
        if (setup.embedding)
          throw new KdInputError(
            `${where}: node "${this.embedding}" (/teacher/backbone/embedding) gives ${shapeText(e)} for one image; expected [1, features]`,
          );
        // The guessed embedding (the classifier's input) is not a pooled vector: use the default instead.
        this.embedding = undefined;
        this.outputs = this.outputs.filter((_, i) => i !== 1);
        shapes.splice(1, 1);
      } else first = 2;
    }
    this.stages = stageEntries.map(({ kdName, node }, i) => {
      const shape = shapes[first + i]!;
      const option = `/teacher/backbone/stages/${kdName}`;
      if (shape.length < 2 || shape[0] !== 1)
        throw new KdInputError(
          `${where}: node "${node}" (${option}) gives ${shapeText(shape)} for one image; a stage feature has a batch dimension and at least one more`,
        );
      if (shape.length === 4) {
        const [fh, fw, fc] = nchw ? [shape[2]!, shape[3]!, shape[1]!] : [shape[1]!, shape[2]!, shape[3]!];
        if (fh > h || fw > w)
          throw new KdInputError(
            `${where}: node "${node}" (${option}) gives ${shapeText(shape)} for one ${h}×${w} image, read as ${setup.layout}: a feature map of ${fh}×${fw} positions, larger than the image; is /teacher/backbone/layout right?`,
          );
        return { name: kdName, outputShape: [fh, fw, fc] };
      }
      return { name: kdName, outputShape: shape.slice(1) };
    });
    this.params = Object.values(model.weights)
      .flat()
      .filter((t) => t.dtype === 'float32')
      .reduce((a, t) => a + t.size, 0);
  }

  /** Reads, checks and loads the graph model at `location`; every problem is a KdInputError naming `pointer` and the file. */
  static load(location: string, pointer: string, limits: ReadLimits, setup: GraphTeacherSetup): GraphTeacher {
    const files = readGraphModel(location, pointer, limits);
    const where = `${pointer}: ${files.file}`;
    let model: GraphModel;
    try {
      // An IO handler over the artifacts read above: the converter reads no file and fetches nothing itself.
      model = loadGraphModelSync({ load: () => files.artifacts });
    } catch (e) {
      throw new KdInputError(`${where}: the TensorFlow.js converter could not load the graph: ${(e as Error).message}`);
    }
    try {
      return new GraphTeacher(model, setup, files, where);
    } catch (e) {
      model.dispose();
      throw e;
    }
  }

  /** Inference: logits, the embedding (tapped, or the spatial mean of the last stage, or the logits) and the stages, NHWC. */
  apply(x: tf.Tensor4D): NetworkOutput {
    const nchw = this.setup.layout === 'NCHW';
    const input = nchw ? tf.transpose(x, NHWC_TO_NCHW) : x;
    let outs: tf.Tensor[];
    try {
      outs = this.execute(input);
    } finally {
      if (input !== x) input.dispose();
    }
    const logits = outs[0] as tf.Tensor2D;
    const first = this.embedding ? 2 : 1;
    const features: Record<string, tf.Tensor> = {};
    this.stages.forEach((s, i) => {
      const raw = outs[first + i]!;
      if (nchw && raw.rank === 4) {
        features[s.name] = tf.transpose(raw, NCHW_TO_NHWC);
        raw.dispose();
      } else features[s.name] = raw;
    });
    const embedding = this.embedding ? (outs[1] as tf.Tensor2D) : this.defaultEmbedding(features, logits);
    return { logits, features, embedding };
  }

  dispose(): void {
    this.model.dispose();
  }

  /** The tapped tensors, one per entry of `outputs` (a tensor named twice is computed once and cloned). */
  private execute(input: tf.Tensor): tf.Tensor[] {
    const unique = [...new Set(this.outputs)];
    const got = this.model.execute(input, unique);
    const list = Array.isArray(got) ? got : [got];
    const used = new Set<number>();
    return this.outputs.map((name) => {
      const i = unique.indexOf(name);
      if (used.has(i)) return tf.clone(list[i]!);
      used.add(i);
      return list[i]!;
    });
  }

  private defaultEmbedding(features: Readonly<Record<string, tf.Tensor>>, logits: tf.Tensor2D): tf.Tensor2D {
    const last = this.stages.at(-1);
    if (!last) return tf.clone(logits);
    const f = features[last.name]!;
    if (f.rank === 2) return tf.clone(f) as tf.Tensor2D;
    return tf.tidy(() => tf.reshape(tf.mean(f, f.rank === 4 ? [1, 2] : 1), [f.shape[0], -1]) as tf.Tensor2D);
  }
}

function checkOps(model: GraphModel, byName: ReadonlyMap<string, GraphNodeEntry>, where: string): void {
  const nodes = (model as unknown as ConverterInternals).executor?.graph?.nodes;
  if (!nodes) throw new Error('@tensorflow/tfjs-converter changed: kd cannot see which ops the loaded graph uses');
  for (const [name, node] of Object.entries(nodes)) {
    const at = byName.get(name)?.where ?? 'modelTopology';
    if (node.category === undefined)
      throw new KdInputError(
        `${where}: ${at}: node "${name}" has op "${node.op}", which TensorFlow.js's converter does not implement (a custom op); kd runs no custom ops`,
      );
    if (node.category === 'custom')
      throw new KdInputError(
        `${where}: ${at}: node "${name}" has op "${node.op}", a custom op registered in this process with tf.registerOp; kd runs only the converter's built-in ops for a model file`,
      );
  }
}

function unknownNode(tensor: string, option: string, nodes: readonly GraphNodeEntry[], where: string): KdInputError {
  // A graph has hundreds of nodes: list the ones worth tapping (not weights), nearest names first.
  const candidates = nodes.filter((n) => n.op !== 'Const' && n.op !== 'Placeholder').map((n) => n.name);
  const wanted = nodeOf(tensor).toLowerCase();
  const shared = (n: string): number => {
    let k = 0;
    while (k < n.length && k < wanted.length && n[k]!.toLowerCase() === wanted[k]) k++;
    return k;
  };
  const listed = [...candidates].sort((a, b) => shared(b) - shared(a)).slice(0, 12);
  return new KdInputError(
    `${where}: the graph has no node "${nodeOf(tensor)}" (${option}); some of its ${candidates.length} non-constant nodes: ${listed.map((n) => `"${n}"`).join(', ')}${candidates.length > listed.length ? ', …' : ''}`,
  );
}

/** A Softmax (behind any Identity nodes) gives its input: distillation needs the logits, not the probabilities. */
function withoutSoftmax(tensor: string, byName: ReadonlyMap<string, GraphNodeEntry>): string {
  let node = byName.get(nodeOf(tensor));
  while (node && node.op === 'Identity' && node.inputs.length >= 1) node = byName.get(nodeOf(node.inputs[0]!));
  return node && node.op === 'Softmax' && node.inputs[0] ? node.inputs[0] : tensor;
}

function defaultLogits(model: GraphModel, byName: ReadonlyMap<string, GraphNodeEntry>, where: string): string {
  const outputs = model.outputNodes;
  if (outputs.length !== 1)
    throw new KdInputError(
      `${where}: the graph has ${outputs.length} outputs (${outputs
        .slice(0, 8)
        .map((n) => `"${n}"`)
        .join(', ')}); name the node whose output is the logits with /teacher/backbone/logits`,
    );
  return withoutSoftmax(outputs[0]!, byName);
}

/** The vector a dense classifier reads: the first input of the logits' MatMul (behind a BiasAdd/Add), if any. */
function pooledInput(logits: string, byName: ReadonlyMap<string, GraphNodeEntry>): string | undefined {
  let node = byName.get(nodeOf(logits));
  if (node && ['BiasAdd', 'Add', 'AddV2'].includes(node.op) && node.inputs[0]) node = byName.get(nodeOf(node.inputs[0]));
  return node && node.op === 'MatMul' && node.inputs[0] && !node.inputs[0].startsWith('^') ? node.inputs[0] : undefined;
}
