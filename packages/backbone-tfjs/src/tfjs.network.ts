import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { FrozenTeacherNetwork, KdInputError } from '@kd/core';
import type { BackboneContext, ForwardOptions, NamedVariable, Network, NetworkOutput } from '@kd/core';
import { GraphTeacher } from './graph-teacher.js';
import type { LayerEntry } from './layer-classes.js';
import { readLayersModel, readModelJson, type LayersModelFiles } from './model-files.js';
import type { TfjsOptions } from './tfjs.options.js';

interface Loaded {
  readonly model: tfl.LayersModel;
  /** The model with the tapped tensors as outputs: logits, then the embedding if tapped, then the stages. */
  readonly taps: tfl.LayersModel;
  readonly hasEmbedding: boolean;
  readonly params: number;
}

const NCHW_TO_NHWC = [0, 2, 3, 1];
const NHWC_TO_NCHW = [0, 3, 1, 2];
const shapeText = (dims: readonly (number | null)[]): string => `[${dims.map((d) => d ?? 'batch').join(', ')}]`;

/**
 * A frozen teacher read from a TensorFlow.js layers model or graph model. `create` only records the options;
 * `loadWeights` (which core calls with the teacher's `weights` path) reads and checks the files. A layers model is
 * built from its topology with every weight assigned by name, then a second model over the same layers has as outputs
 * the logits, the embedding and the stage layers named in the options. A graph model is run by the converter up to
 * the nodes named in the options (`GraphTeacher`).
 */
export class TfjsNetwork extends FrozenTeacherNetwork implements Network {
  private loaded: Loaded | undefined;
  private graph: GraphTeacher | undefined;

  constructor(
    private readonly options: TfjsOptions,
    context: BackboneContext,
  ) {
    super('tfjs', 'read from a TensorFlow.js model', options, context);
  }

  async loadWeights(location: string, pointer: string): Promise<void> {
    if (readModelJson(location, pointer, this.options).root['format'] === 'graph-model') {
      const graph = GraphTeacher.load(location, pointer, this.options, {
        layout: this.options.layout,
        logits: this.options.logits,
        embedding: this.options.embedding,
        stages: this.options.stages,
        numClasses: this.numClasses,
        inputShape: this.inputShape,
      });
      this.dispose();
      this.graph = graph;
      this.stageInfos = graph.stages;
      return;
    }
    const files = readLayersModel(location, pointer, this.options);
    const where = `${pointer}: ${files.file}`;
    try {
      const logitsLayer = this.options.logits || outputLayerName(files, where);
      const top = files.layers.find((l) => l.name === logitsLayer);
      const config =
        top && top.className !== 'Activation' && top.config['activation'] === 'softmax' ? withoutSoftmax(files, top) : files.modelConfig;
      let model: tfl.LayersModel;
      try {
        model = await tfl.models.modelFromJSON({ modelTopology: config as tfl.ModelAndWeightsConfig['modelTopology'] });
      } catch (e) {
        throw new KdInputError(`${where}: TensorFlow.js could not build the model from its topology: ${(e as Error).message}`);
      }
      try {
        assignWeights(model, files.weights, where);
        this.dispose();
        this.loaded = this.tap(model, logitsLayer, where);
      } catch (e) {
        model.dispose();
        throw e;
      }
    } finally {
      for (const t of files.weights.values()) t.dispose();
    }
  }

  /**
   * Inference only: the teacher is frozen (batch norm uses its moving statistics, dropout is off). The returned
   * tensors live in the caller's scope; the model's variables are not trainable, so no gradient reaches them.
   */
  apply(x: tf.Tensor4D, options: ForwardOptions): NetworkOutput {
    if (options.training)
      throw new KdInputError(
        'the "tfjs" backbone runs in inference only (a frozen teacher); it was asked for a training-mode forward pass',
      );
    if (this.graph) return this.graph.apply(x);
    const loaded = this.loaded;
    if (!loaded) throw new Error('TfjsNetwork.apply before loadWeights: the model file has not been read');
    const nchw = this.options.layout === 'NCHW';
    const input = nchw ? tf.transpose(x, NHWC_TO_NCHW) : x;
    const outs = loaded.taps.apply(input, { training: false }) as tf.Tensor[];
    if (input !== x) input.dispose();
    const logits = outs[0] as tf.Tensor2D;
    const features: Record<string, tf.Tensor> = {};
    const first = loaded.hasEmbedding ? 2 : 1;
    this.stageInfos.forEach((s, i) => {
      const raw = outs[first + i]!;
      features[s.name] = nchw && raw.rank === 4 ? tf.transpose(raw, NCHW_TO_NHWC) : raw;
    });
    const embedding = loaded.hasEmbedding ? (outs[1] as tf.Tensor2D) : this.defaultEmbedding(features, logits);
    return { logits, features, embedding };
  }

  trainableVariables(): tf.Variable[] {
    return [];
  }

  /** The weights live in the model files: nothing to checkpoint. */
  stateVariables(): readonly NamedVariable[] {
    return [];
  }

  /** The model's trainable parameters, as Keras's summary counts them (batch-norm moving statistics excluded). */
  countParams(): number {
    return this.loaded?.params ?? this.graph?.params ?? Number.NaN;
  }

  dispose(): void {
    // The tap model shares the source model's layers: disposing the source frees every variable once.
    this.loaded?.model.dispose();
    this.loaded = undefined;
    this.graph?.dispose();
    this.graph = undefined;
    this.stageInfos = [];
  }

  private tap(model: tfl.LayersModel, logitsLayer: string, where: string): Loaded {
    if (model.inputs.length !== 1)
      throw new KdInputError(`${where}: the model has ${model.inputs.length} inputs; kd feeds one, the images`);
    const [h, w, c] = this.inputShape;
    const nchw = this.options.layout === 'NCHW';
    const expected = nchw ? [null, c, h, w] : [null, h, w, c];
    const got = model.inputs[0]!.shape;
    if (got.length !== 4 || got.some((d, i) => i > 0 && d !== null && d !== expected[i]))
      throw new KdInputError(
        `${where}: the model's input is ${shapeText(got)}; expected ${shapeText(expected)} (${this.options.layout}, /teacher/backbone/layout, for the dataset's ${h}×${w}×${c} images)`,
      );
    const names = model.layers.map((l) => l.name);
    const layerOutput = (name: string, option: string): tfl.SymbolicTensor => {
      const layer = model.layers.find((l) => l.name === name);
      if (!layer)
        throw new KdInputError(
          `${where}: the model has no layer "${name}" (${option}); its top-level layers are ${names.map((n) => `"${n}"`).join(', ')}`,
        );
      let out: tfl.SymbolicTensor | tfl.SymbolicTensor[];
      try {
        out = layer.output;
      } catch {
        throw new KdInputError(`${where}: layer "${name}" (${option}) is applied more than once in the model; its output is ambiguous`);
      }
      if (Array.isArray(out))
        throw new KdInputError(`${where}: layer "${name}" (${option}) has ${out.length} outputs; kd taps layers with one`);
      return out;
    };

    let logits = layerOutput(logitsLayer, '/teacher/backbone/logits');
    const source = model.layers.find((l) => l.name === logitsLayer)!;
    const config = source.getConfig();
    if (source.getClassName() === 'Softmax' || (source.getClassName() === 'Activation' && config['activation'] === 'softmax'))
      logits = source.input as tfl.SymbolicTensor;
    if (logits.shape.length !== 2 || logits.shape[1] !== this.numClasses)
      throw new KdInputError(
        `${where}: layer "${logitsLayer}" (/teacher/backbone/logits) gives ${shapeText(logits.shape)}; expected [batch, ${this.numClasses}], the dataset's ${this.numClasses} classes`,
      );

    let embedding: tfl.SymbolicTensor | undefined;
    if (this.options.embedding) {
      embedding = layerOutput(this.options.embedding, '/teacher/backbone/embedding');
      if (embedding.shape.length !== 2)
        throw new KdInputError(
          `${where}: layer "${this.options.embedding}" (/teacher/backbone/embedding) gives ${shapeText(embedding.shape)}; expected [batch, features]`,
        );
    } else {
      const before = logits.sourceLayer.input;
      if (!Array.isArray(before) && before.shape.length === 2) embedding = before;
    }

    const stages = Object.entries(this.options.stages).map(([kdName, layer]) => {
      const t = layerOutput(layer, `/teacher/backbone/stages/${kdName}`);
      if (t.shape.length < 2)
        throw new KdInputError(
          `${where}: layer "${layer}" (/teacher/backbone/stages/${kdName}) gives ${shapeText(t.shape)}; a stage feature has a batch dimension and at least one more`,
        );
      return { kdName, t };
    });
    const outputs = [logits, ...(embedding ? [embedding] : []), ...stages.map((s) => s.t)];
    // A model lists each tensor once: a repeated one (an embedding that is also a stage) goes through an identity.
    const unique = outputs.map((t, i) =>
      outputs.indexOf(t) === i ? t : (tfl.layers.activation({ activation: 'linear', name: `kd_tap_${i}` }).apply(t) as tfl.SymbolicTensor),
    );
    const taps = tfl.model({ inputs: model.inputs, outputs: unique, name: `${model.name}_kd_taps` });

    // Counted before freezing: a frozen layer lists its weights as non-trainable.
    const params = model.trainableWeights.reduce((a, v) => a + v.shape.reduce((p: number, d) => p * (d ?? 1), 1), 0);
    model.trainable = false;
    this.stageInfos = stages.map(({ kdName, t }) => {
      const perImage = t.shape.slice(1) as number[];
      return { name: kdName, outputShape: nchw && perImage.length === 3 ? [perImage[1]!, perImage[2]!, perImage[0]!] : perImage };
    });
    return { model, taps, hasEmbedding: embedding !== undefined, params };
  }

  private defaultEmbedding(features: Readonly<Record<string, tf.Tensor>>, logits: tf.Tensor2D): tf.Tensor2D {
    const last = this.stageInfos.at(-1);
    if (!last) return tf.clone(logits);
    const f = features[last.name]!;
    if (f.rank === 2) return tf.clone(f) as tf.Tensor2D;
    return tf.reshape(tf.mean(f, f.rank === 4 ? [1, 2] : 1), [f.shape[0], -1]) as tf.Tensor2D;
  }
}

/** The layer producing the model's only output. */
function outputLayerName(files: LayersModelFiles, where: string): string {
  const config = files.modelConfig;
  if (config['class_name'] === 'Sequential') return files.layers.at(-1)?.name ?? '';
  const outs = (config['config'] as Record<string, unknown>)['output_layers'];
  if (!Array.isArray(outs) || outs.length !== 1 || !Array.isArray(outs[0]) || typeof outs[0][0] !== 'string')
    throw new KdInputError(
      `${where}: the model does not have exactly one output; name the layer whose output is the logits with /teacher/backbone/logits`,
    );
  return outs[0][0] as string;
}

/** The model config with `layer`'s softmax activation replaced by the identity (the file itself is not changed). */
function withoutSoftmax(files: LayersModelFiles, layer: LayerEntry): Record<string, unknown> {
  const copy = structuredClone(files.modelConfig);
  const layers = (copy['config'] as { layers: { config: Record<string, unknown> }[] }).layers;
  const target = layers.find((l) => l.config['name'] === layer.name)!;
  target.config['activation'] = 'linear';
  return copy;
}

/** Every model weight from the manifest by name, every manifest weight used: anything else is an error listing both sides. */
function assignWeights(model: tfl.LayersModel, weights: ReadonlyMap<string, tf.Tensor>, where: string): void {
  const wanted = model.weights.map((w) => w.originalName);
  const missing = wanted.filter((n) => !weights.has(n));
  const extra = [...weights.keys()].filter((n) => !wanted.includes(n));
  if (missing.length || extra.length)
    throw new KdInputError(`${where}: the weights manifest does not match the model's layers`, [
      ...(missing.length ? [`weights the layers have and the manifest lacks: ${missing.join(', ')}`] : []),
      ...(extra.length ? [`weights the manifest has and no layer uses: ${extra.join(', ')}`] : []),
    ]);
  for (const w of model.weights) {
    const t = weights.get(w.originalName)!;
    if (t.shape.join(',') !== w.shape.join(','))
      throw new KdInputError(
        `${where}: weight "${w.originalName}" is ${shapeText(t.shape)} in the manifest; the layer expects ${shapeText(w.shape as number[])}`,
      );
    if (t.dtype !== w.dtype) throw new KdInputError(`${where}: weight "${w.originalName}" is ${t.dtype}; the layer expects ${w.dtype}`);
  }
  for (const w of model.weights) w.write(weights.get(w.originalName)!);
}
