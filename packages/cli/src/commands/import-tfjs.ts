import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { KdInputError, saveNetwork, type Network } from '@kd/core';
import { selectBackend } from '@kd/core/host';
import type { CliIo } from '../io.js';
import { createRuntime, type CliOptions } from '../runtime.js';
import { backboneOptions, buildBackbone } from './backbone.js';
import { parseInput, parseNumClasses, parseOptions } from './backbone-args.js';
import { checkOutDir, importPackage, parityLine, randomImages, writeAtomically } from './import-files.js';
import { createTeacher, givenOptions, parseStagesFlag, reportTeacher, teacherParity, type ParityLabels } from './import-teacher.js';
import { compareLogits, readReference, type Parity } from './parity-reference.js';

export interface ImportTfjsArgs {
  readonly source: string;
  /** Graph models only: the `tfjs` backbone's options for the teacher (layout, logits, embedding, stages as JSON). */
  readonly layout?: string | undefined;
  readonly logits?: string | undefined;
  readonly embedding?: string | undefined;
  readonly stages?: string | undefined;
  readonly outDir: string;
  readonly backbone: string | undefined;
  readonly options: string | undefined;
  readonly names: string | undefined;
  readonly numClasses: string | undefined;
  readonly input: string | undefined;
  readonly reference: string | undefined;
  readonly json: boolean;
}

/** What this command uses of @kd/backbone-tfjs beyond its plugin: typed here, so the CLI does not depend on it. */
interface TfjsPackage {
  initializeFromLayersModel(network: Network, location: string, options: { names?: Record<string, string>; pointer?: string }): void;
  readModelJson(location: string, pointer: string, limits: Limits): { file: string; root: Record<string, unknown> };
  readGraphModel(location: string, pointer: string, limits: Limits): { file: string; shardPaths: readonly string[] };
}

interface Limits {
  readonly maxJsonBytes: number;
  readonly maxWeightBytes: number;
}

const COMMAND = 'kd import tfjs';
const GRAPH_PARITY_LABELS: ParityLabels = {
  reference: 'parity (the graph model in TensorFlow.js vs the reference logits)',
  batch: 'batch consistency (the graph model, a batch vs one image at a time)',
  noReference: 'give --reference ref.json with its logits',
};

/** `--names map.json`: kd layer → source layer, for layers whose names differ (a Keras model's `conv2d_1`). */
function readNames(file: string): Record<string, string> {
  let o: unknown;
  try {
    o = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new KdInputError(`--names: ${file}: cannot read a JSON layer-name map (${(e as Error).message})`);
  }
  if (!o || typeof o !== 'object' || Array.isArray(o) || !Object.values(o).every((v) => typeof v === 'string'))
    throw new KdInputError(`--names: ${file}: expected a JSON object of kd layer name → source layer name (strings)`);
  return o as Record<string, string>;
}

/**
 * `kd import tfjs <model.json|dir> <out-dir> --backbone <name>`: a TensorFlow.js layers model (tensorflowjs_converter's
 * output for a Keras model, or `model.save`) as a kd network directory (`final/network.json` + `network.bin`), which
 * `teacher.weights` and `student.init.weights` accept. Weights are matched by layer and weight name (`--names` maps
 * differing layer names), never by position. The parity report runs the source model itself (kd's `tfjs` teacher,
 * which is the layers model with a final softmax removed) against the kd network on the same inputs.
 */
export async function importTfjsCommand(args: ImportTfjsArgs, io: CliIo, options: CliOptions): Promise<number> {
  const location = resolve(io.cwd, args.source);
  if (!existsSync(location)) throw new KdInputError(`${location}: no such model.json or model directory`);
  const runtime = createRuntime(io, options);
  const tfjs = await importPackage<TfjsPackage>('@kd/backbone-tfjs', runtime.root, options, COMMAND);
  const limits = (await backboneOptions(runtime, 'tfjs', {}, COMMAND)) as unknown as Limits;
  const { root } = tfjs.readModelJson(location, COMMAND, limits);
  if (root['format'] === 'graph-model') return importGraphModel(args, location, tfjs, runtime, io);
  const graphFlags = (['layout', 'logits', 'embedding', 'stages'] as const).filter((k) => args[k] !== undefined);
  if (graphFlags.length)
    throw new KdInputError(
      `${COMMAND}: ${graphFlags.map((k) => `--${k}`).join(', ')} apply to graph models; ${location} is a layers model, mapped onto --backbone by layer name`,
    );
  if (!args.backbone)
    throw new KdInputError(`${COMMAND}: --backbone <name> is required (the kd backbone whose architecture the model has)`);
  const outDir = resolve(io.cwd, args.outDir);
  checkOutDir(outDir);
  const numClasses = parseNumClasses(args.numClasses, COMMAND);
  const inputShape = parseInput(args.input);
  const names = args.names ? readNames(resolve(io.cwd, args.names)) : {};
  const given = parseOptions(args.options);
  const opts = await backboneOptions(runtime, args.backbone, given, COMMAND);
  const sourceOpts = await backboneOptions(runtime, 'tfjs', {}, COMMAND);
  await selectBackend('cpu');
  const reference = args.reference ? readReference(resolve(io.cwd, args.reference), inputShape, numClasses) : undefined;

  const source = await createTeacher(runtime, 'tfjs', sourceOpts, numClasses, inputShape, COMMAND);
  let network: Network | undefined;
  try {
    await source.loadWeights!(location, COMMAND);
    network = await buildBackbone(runtime, { name: args.backbone, options: opts }, numClasses, inputShape, COMMAND);
    tfjs.initializeFromLayersModel(network, location, { names, pointer: COMMAND });
    const kd = network;
    const x = reference?.input ?? randomImages(inputShape);
    const [ours, theirs] = tf.tidy(() => [kd.apply(x, { training: false }).logits, source.apply(x, { training: false }).logits]);
    let vsSource: Parity;
    let vsReference: Parity | undefined;
    try {
      vsSource = compareLogits(ours!, theirs!.dataSync() as Float32Array);
      vsReference = reference ? compareLogits(ours!, reference.logits) : undefined;
    } finally {
      tf.dispose([ours!, theirs!]);
    }
    if (!reference) x.dispose();
    await writeAtomically(outDir, (dir) => {
      mkdirSync(join(dir, 'final'));
      saveNetwork(join(dir, 'final'), kd);
    });
    const parity: { source: Parity; reference?: Parity } = { source: vsSource, ...(vsReference ? { reference: vsReference } : {}) };
    const teacher = { backbone: { name: args.backbone, ...given }, weights: outDir };
    if (args.json)
      io.out(
        `${JSON.stringify({ format: 'tfjs', source: location, teacherDir: outDir, variables: kd.stateVariables().length, teacher, parity }, null, 2)}\n`,
      );
    else {
      io.out(`imported ${location} into the ${args.backbone} backbone: ${kd.stateVariables().length} variables matched by name\n`);
      io.out(`network directory: ${outDir} (use it as "teacher": ${JSON.stringify(teacher)}, or as student.init.weights)\n`);
      io.out(parityLine(`parity (kd vs the layers model${reference ? '' : ', random inputs'})`, vsSource));
      if (vsReference) io.out(parityLine('parity (kd vs the reference logits)', vsReference));
    }
    return 0;
  } finally {
    reference?.input.dispose();
    network?.dispose();
    source.dispose();
  }
}

/** The image size the graph's input placeholder declares (HWC), when every dimension but the batch is known. */
function declaredInput(root: Record<string, unknown>, layout: string): [number, number, number] | undefined {
  const nodes = (root['modelTopology'] as { node?: unknown[] } | undefined)?.node ?? [];
  const placeholders = nodes.filter((n) => (n as { op?: unknown })?.op === 'Placeholder') as {
    attr?: { shape?: { shape?: { dim?: { size?: string | number }[] } } };
  }[];
  if (placeholders.length !== 1) return undefined;
  const dims = (placeholders[0]!.attr?.shape?.shape?.dim ?? []).map((d) => Number(d.size));
  if (dims.length !== 4 || dims.slice(1).some((d) => !Number.isInteger(d) || d < 1)) return undefined;
  return layout === 'NCHW' ? [dims[2]!, dims[3]!, dims[1]!] : [dims[1]!, dims[2]!, dims[3]!];
}

/**
 * A graph model keeps no layer names to map onto a kd backbone, so it is imported as what `teacher.weights` takes
 * for the `tfjs` backbone: the model itself (model.json and its shards, copied into <out-dir> after the same checks a
 * run makes and a forward pass to every tapped node), with the backbone options that read it. Parity: the teacher's
 * logits against a reference the user computed, or without one a batch against the same images one at a time.
 */
async function importGraphModel(
  args: ImportTfjsArgs,
  location: string,
  tfjs: TfjsPackage,
  runtime: ReturnType<typeof createRuntime>,
  io: CliIo,
): Promise<number> {
  if (args.backbone !== undefined || args.options !== undefined || args.names !== undefined)
    throw new KdInputError(
      `${COMMAND}: ${location} is a TensorFlow.js graph model, which keeps no layer names to map onto a kd backbone: it is imported as a "tfjs" teacher; drop ${[
        args.backbone !== undefined ? '--backbone' : '',
        args.options !== undefined ? '--options' : '',
        args.names !== undefined ? '--names' : '',
      ]
        .filter(Boolean)
        .join(', ')} (its flags: --layout, --logits, --embedding, --stages, --num-classes, --input, --reference)`,
    );
  const outDir = resolve(io.cwd, args.outDir);
  checkOutDir(outDir);
  const given = givenOptions({
    layout: args.layout,
    logits: args.logits,
    embedding: args.embedding,
    stages: parseStagesFlag(args.stages, 'node name'),
  });
  const opts = await backboneOptions(runtime, 'tfjs', given, COMMAND);
  const { root } = tfjs.readModelJson(location, COMMAND, opts as unknown as Limits);
  const numClasses = parseNumClasses(args.numClasses, COMMAND);
  const inputShape =
    args.input !== undefined ? parseInput(args.input) : (declaredInput(root, opts['layout'] as string) ?? parseInput(undefined));
  await selectBackend('cpu');
  const reference = args.reference ? readReference(resolve(io.cwd, args.reference), inputShape, numClasses) : undefined;
  const network = await createTeacher(runtime, 'tfjs', opts, numClasses, inputShape, COMMAND);
  try {
    await network.loadWeights!(location, COMMAND);
    const files = tfjs.readGraphModel(location, COMMAND, opts as unknown as Limits);
    const parity = teacherParity(network, reference, inputShape);
    await writeAtomically(outDir, (dir) => {
      const from = dirname(files.file);
      for (const file of [files.file, ...files.shardPaths]) {
        const to = join(dir, file === files.file ? 'model.json' : relative(from, file));
        mkdirSync(dirname(to), { recursive: true });
        copyFileSync(file, to);
      }
    });
    const teacher = { backbone: { name: 'tfjs', ...given }, weights: outDir };
    const stages = Object.fromEntries(network.stages.map((st) => [st.name, st.outputShape]));
    const params = network.countParams();
    reportTeacher(
      io,
      args.json,
      `imported the graph model ${files.file}: input ${inputShape.join('×')} (HWC), ${numClasses} classes, ${params} weights, stages ${JSON.stringify(stages)} (NHWC)`,
      { format: 'tfjs-graph', source: files.file, teacherDir: outDir, numClasses, inputShape, stages, params, teacher, parity },
      GRAPH_PARITY_LABELS,
    );
    return 0;
  } finally {
    reference?.input.dispose();
    network.dispose();
  }
}
