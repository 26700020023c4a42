import { readFileSync, statSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { FrozenTeacherNetwork, KdInputError } from '@kd/core';
import type { BackboneContext, ForwardOptions, NamedVariable, Network, NetworkOutput } from '@kd/core';
import { OrtBridge, OrtError } from './ort-bridge.js';
import type { OrtModelInfo } from './ort-bridge.js';
import type { OnnxOptions } from './onnx.options.js';
import { resolveOnnxModel } from './onnx-teacher-dir.js';

/** One output kd reads, with its dimensions for one image as the model produces them (before any transpose). */
interface OutputPlan {
  readonly name: string;
  readonly perImage: readonly number[];
}

interface Loaded {
  readonly file: string;
  readonly input: string;
  readonly logits: OutputPlan;
  readonly embedding: OutputPlan | undefined;
  readonly stages: readonly { readonly kdName: string; readonly output: OutputPlan }[];
}

const NCHW_TO_NHWC = [0, 2, 3, 1];
const NHWC_TO_NCHW = [0, 3, 1, 2];
const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);
const shapeText = (dims: readonly (number | string)[]): string => `[${dims.join(', ')}]`;

/**
 * A frozen teacher run by ONNX Runtime. `create` only records the options; `loadWeights` (which core calls with the
 * teacher's `weights` path) opens the model, checks it against the dataset and finds each output's shape with one
 * probe image. `apply` is synchronous, as the trainer needs, through {@link OrtBridge}.
 */
export class OnnxNetwork extends FrozenTeacherNetwork implements Network {
  private bridge: OrtBridge | undefined;
  private loaded: Loaded | undefined;

  constructor(
    private readonly options: OnnxOptions,
    context: BackboneContext,
  ) {
    super('onnx', 'run in ONNX Runtime', options, context);
  }

  loadWeights(location: string, pointer: string): void {
    const where = `${pointer}: ${location}`;
    const model = this.readModel(resolveOnnxModel(location, where), where);
    this.bridge?.dispose();
    const bridge = (this.bridge = new OrtBridge(this.options.timeoutSeconds * 1000));
    let info: OrtModelInfo;
    try {
      info = bridge.open(model, {
        executionProviders: this.options.executionProviders,
        interOpNumThreads: 1,
        ...(this.options.threads > 0 ? { intraOpNumThreads: this.options.threads } : {}),
      });
    } catch (e) {
      // A corrupt file and a missing provider library both land here; ORT's own message tells which.
      throw this.ortFailure(
        e,
        where,
        `could not be opened by ONNX Runtime (execution providers: ${this.options.executionProviders.join(', ')})`,
      );
    }
    const input = this.checkInput(info, where);
    const named = (option: string, name: string): string => {
      const found = info.outputs.find((o) => o.name === name);
      if (!found)
        throw new KdInputError(
          `${where}: the model has no output "${name}" (${option}); its outputs are ${info.outputs.map((o) => `"${o.name}"`).join(', ')}`,
        );
      if (!found.isTensor || found.type !== 'float32')
        throw new KdInputError(
          `${where}: output "${name}" (${option}) is ${found.isTensor ? found.type : 'not a tensor'}; kd reads float32 tensors`,
        );
      return name;
    };
    const logits = named('/teacher/backbone/logits', this.options.logits);
    const embedding = this.options.embedding ? named('/teacher/backbone/embedding', this.options.embedding) : undefined;
    const stages = Object.entries(this.options.stages).map(([kdName, output]) => ({
      kdName,
      output: named(`/teacher/backbone/stages/${kdName}`, output),
    }));

    // One zero image tells each output's shape, including the dimensions an export left symbolic.
    const probe = this.runModel(
      bridge,
      input,
      new Float32Array(product(this.inputShape)),
      1,
      [logits, ...(embedding ? [embedding] : []), ...stages.map((s) => s.output)],
      where,
    );
    const perImage = (name: string): readonly number[] => probe[name]!.dims.slice(1);
    const logitsShape = perImage(logits);
    if (logitsShape.length !== 1 || logitsShape[0] !== this.numClasses)
      throw new KdInputError(
        `${where}: output "${logits}" (/teacher/backbone/logits) has shape ${shapeText(probe[logits]!.dims)} for one image; expected [1, ${this.numClasses}], the dataset's ${this.numClasses} classes`,
      );
    if (embedding && perImage(embedding).length !== 1)
      throw new KdInputError(
        `${where}: output "${embedding}" (/teacher/backbone/embedding) has shape ${shapeText(probe[embedding]!.dims)}; expected [batch, features]`,
      );
    for (const s of stages)
      if (perImage(s.output).length < 1)
        throw new KdInputError(
          `${where}: output "${s.output}" (/teacher/backbone/stages/${s.kdName}) is a scalar per batch; a stage feature has a batch dimension and at least one more`,
        );

    this.loaded = {
      file: location,
      input,
      logits: { name: logits, perImage: logitsShape },
      embedding: embedding ? { name: embedding, perImage: perImage(embedding) } : undefined,
      stages: stages.map((s) => ({ kdName: s.kdName, output: { name: s.output, perImage: perImage(s.output) } })),
    };
    this.stageInfos = this.loaded.stages.map((s) => ({ name: s.kdName, outputShape: this.toKdLayout(s.output.perImage) }));
  }

  /**
   * Inference only: an ONNX teacher is frozen, and its graph has no tfjs gradient tape. The returned tensors are
   * constants in the caller's scope, so gradients never flow into the teacher.
   */
  apply(x: tf.Tensor4D, options: ForwardOptions): NetworkOutput {
    if (options.training)
      throw new KdInputError(
        `the "onnx" backbone runs in inference only (a frozen teacher); it was asked for a training-mode forward pass`,
      );
    const loaded = this.loaded;
    if (!loaded || !this.bridge) throw new Error('OnnxNetwork.apply before loadWeights: the model file has not been read');
    const [batch, ...image] = x.shape;
    if (image.some((d, i) => d !== this.inputShape[i]))
      throw new Error(
        `OnnxNetwork.apply: input ${shapeText(x.shape)} does not match the dataset's images [batch, ${this.inputShape.join(', ')}]`,
      );
    const modelInput = this.options.layout === 'NCHW' ? tf.transpose(x, NHWC_TO_NCHW) : x;
    const data = modelInput.dataSync() as Float32Array;
    if (modelInput !== x) modelInput.dispose();
    const plans = [loaded.logits, ...(loaded.embedding ? [loaded.embedding] : []), ...loaded.stages.map((s) => s.output)];
    const out = this.runModel(
      this.bridge,
      loaded.input,
      data,
      batch,
      plans.map((p) => p.name),
      `/teacher/weights: ${loaded.file}`,
      plans,
    );

    const tensor = (plan: OutputPlan): tf.Tensor => tf.tensor(out[plan.name]!.data, [batch, ...plan.perImage]);
    const features: Record<string, tf.Tensor> = {};
    for (const s of loaded.stages) {
      const raw = tensor(s.output);
      features[s.kdName] = raw.rank === 4 && this.options.featureLayout === 'NCHW' ? tf.transpose(raw, NCHW_TO_NHWC) : raw;
      if (features[s.kdName] !== raw) raw.dispose();
    }
    const logits = tensor(loaded.logits) as tf.Tensor2D;
    return {
      logits,
      features,
      embedding: loaded.embedding ? (tensor(loaded.embedding) as tf.Tensor2D) : this.defaultEmbedding(features, logits),
    };
  }

  trainableVariables(): tf.Variable[] {
    return [];
  }

  /** The weights live in the ONNX file, not in tfjs variables: nothing to checkpoint. */
  stateVariables(): readonly NamedVariable[] {
    return [];
  }

  /**
   * Unknown: ONNX Runtime does not expose a model's initializers, and after export they would not be PyTorch's
   * parameters anyway (batch norm is folded into the convolutions). NaN is written as `null` in kd's JSON files.
   */
  countParams(): number {
    return Number.NaN;
  }

  dispose(): void {
    this.bridge?.dispose();
    this.bridge = undefined;
    this.loaded = undefined;
  }

  private readModel(location: string, where: string): Uint8Array {
    let size: number;
    try {
      const stat = statSync(location);
      if (!stat.isFile())
        throw new KdInputError(
          `${where} is ${stat.isDirectory() ? 'a directory' : 'not a regular file'}; the "onnx" backbone reads an ONNX model file (.onnx)`,
        );
      size = stat.size;
    } catch (e) {
      if (e instanceof KdInputError) throw e;
      throw new KdInputError(
        `${where} cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}); expected an ONNX model file (.onnx)`,
      );
    }
    if (size === 0) throw new KdInputError(`${where} is empty; expected an ONNX model file (.onnx)`);
    if (size > this.options.maxFileBytes)
      throw new KdInputError(
        `${where} has ${size} bytes, more than maxFileBytes (${this.options.maxFileBytes}); raise /teacher/backbone/maxFileBytes if the file is trusted`,
      );
    // Read whole and handed over as bytes, so ONNX Runtime parses exactly the file checked here and never follows
    // paths inside it (external-data weights are refused).
    // The bytes' ArrayBuffer is transferred to the worker: copy only a Buffer that shares its memory with others.
    const bytes = readFileSync(location);
    return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
  }

  /** The image input, checked against the dataset's images in the configured layout. */
  private checkInput(info: OrtModelInfo, where: string): string {
    const wanted = this.options.input;
    const names = info.inputs.map((i) => `"${i.name}"`).join(', ');
    if (!wanted && info.inputs.length !== 1)
      throw new KdInputError(
        `${where}: the model has inputs ${names}; name the image input with /teacher/backbone/input (kd feeds the images only)`,
      );
    const input = wanted ? info.inputs.find((i) => i.name === wanted) : info.inputs[0]!;
    if (!input) throw new KdInputError(`${where}: the model has no input "${wanted}" (/teacher/backbone/input); its inputs are ${names}`);
    if (info.inputs.length !== 1)
      throw new KdInputError(`${where}: the model has inputs ${names}; kd feeds only the image input "${input.name}"`);
    const [h, w, c] = this.inputShape;
    const expected = this.options.layout === 'NCHW' ? ['batch', c, h, w] : ['batch', h, w, c];
    const shape = input.shape ?? [];
    const ok =
      input.isTensor &&
      input.type === 'float32' &&
      shape.length === 4 &&
      shape.every((d, i) => (i === 0 ? typeof d === 'string' || d < 0 : typeof d === 'string' || d < 0 || d === expected[i]));
    if (!ok) {
      const fixedBatch = shape.length === 4 && typeof shape[0] === 'number' && shape[0] >= 0;
      throw new KdInputError(
        `${where}: input "${input.name}" is ${input.isTensor ? `${input.type} ${shapeText(shape)}` : 'not a tensor'}; expected float32 ${shapeText(expected)} ` +
          `(${this.options.layout}, /teacher/backbone/layout, for the dataset's ${h}×${w}×${c} images` +
          (fixedBatch ? '; the batch dimension must be dynamic: export with dynamic_axes={"input": {0: "batch"}, …}' : '') +
          ')',
      );
    }
    return input.name;
  }

  /**
   * Runs the model on `batch` images. With `plans` (after loading), each output must be the batch of the shape the
   * probe found: a model whose output size depends on the batch in another way is refused rather than misread.
   */
  private runModel(
    bridge: OrtBridge,
    input: string,
    data: Float32Array,
    batch: number,
    outputs: readonly string[],
    where: string,
    plans?: readonly OutputPlan[],
  ): Record<string, { readonly data: Float32Array; readonly dims: readonly number[] }> {
    const [h, w, c] = this.inputShape;
    const dims = this.options.layout === 'NCHW' ? [batch, c, h, w] : [batch, h, w, c];
    const unique = [...new Set(outputs)];
    // Sized from the probe's shapes; the probe itself has none and gets its (one-image) outputs in the reply.
    const perImage = (name: string): readonly number[] | undefined => plans?.find((p) => p.name === name)?.perImage;
    const capacity = (name: string): number | undefined => (perImage(name) ? batch * product(perImage(name)!) : undefined);
    let result;
    try {
      result = bridge.run(
        input,
        data,
        dims,
        unique.map((name) => ({ name, capacity: capacity(name) })),
      );
    } catch (e) {
      throw this.ortFailure(e, where, `failed on a batch of ${shapeText(dims)}`);
    }
    for (const p of plans ?? []) {
      const got = result[p.name]!.dims;
      if (got[0] !== batch || got.length !== p.perImage.length + 1 || p.perImage.some((d, i) => got[i + 1] !== d))
        throw new KdInputError(
          `${where}: output "${p.name}" has shape ${shapeText(got)} for a batch of ${batch}; expected ${shapeText([batch, ...p.perImage])}`,
        );
    }
    return result;
  }

  private ortFailure(e: unknown, where: string, what: string): Error {
    if (!(e instanceof OrtError)) return e as Error;
    // ORT appends its colourised log line to some messages: the terminal escapes are noise in a CLI error.
    return new KdInputError(`${where} ${what}: ONNX Runtime says: ${e.message.replace(/\x1b\[[0-9;]*m/g, '').trim()}`);
  }

  private toKdLayout(perImage: readonly number[]): readonly number[] {
    if (perImage.length !== 3 || this.options.featureLayout === 'NHWC') return perImage;
    const [c, h, w] = perImage as [number, number, number];
    return [h, w, c];
  }

  private defaultEmbedding(features: Readonly<Record<string, tf.Tensor>>, logits: tf.Tensor2D): tf.Tensor2D {
    const last = this.loaded!.stages.at(-1);
    if (!last) return tf.clone(logits);
    const f = features[last.kdName]!;
    if (f.rank === 2) return tf.clone(f) as tf.Tensor2D;
    // NHWC maps average over their positions; token sequences ([batch, tokens, dim]) over their tokens.
    return tf.tidy(() => tf.reshape(tf.mean(f, f.rank === 4 ? [1, 2] : 1), [f.shape[0], -1]) as tf.Tensor2D);
  }
}
