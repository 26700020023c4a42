import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { KdInputError, Rng, saveNetwork, type Network } from '@kd/core';
import { selectBackend } from '@kd/core/host';
import type { CliIo } from '../io.js';
import { createRuntime, type CliOptions } from '../runtime.js';
import { backboneOptions, buildBackbone, loadBackbonePlugin } from './backbone.js';
import { parseInput, parseNumClasses, parseOptions } from './backbone-args.js';
import { checkOutDir, importPackage, parityLine, randomImages, writeAtomically } from './import-files.js';
import { compareLogits, readReference, type Parity } from './parity-reference.js';

export interface ImportTfjsArgs {
  readonly source: string;
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
}

const COMMAND = 'kd import tfjs';

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
  if (!args.backbone)
    throw new KdInputError(`${COMMAND}: --backbone <name> is required (the kd backbone whose architecture the model has)`);
  const location = resolve(io.cwd, args.source);
  const outDir = resolve(io.cwd, args.outDir);
  if (!existsSync(location)) throw new KdInputError(`${location}: no such model.json or model directory`);
  checkOutDir(outDir);
  const numClasses = parseNumClasses(args.numClasses, COMMAND);
  const inputShape = parseInput(args.input);
  const names = args.names ? readNames(resolve(io.cwd, args.names)) : {};
  const runtime = createRuntime(io, options);
  const given = parseOptions(args.options);
  const opts = await backboneOptions(runtime, args.backbone, given, COMMAND);
  const sourceOpts = await backboneOptions(runtime, 'tfjs', {}, COMMAND);
  const tfjs = await importPackage<TfjsPackage>('@kd/backbone-tfjs', runtime.root, options, COMMAND);
  await selectBackend('cpu');
  const reference = args.reference ? readReference(resolve(io.cwd, args.reference), inputShape, numClasses) : undefined;

  const plugin = await loadBackbonePlugin(runtime, 'tfjs', COMMAND);
  const source = (await plugin.create(sourceOpts, {
    container: runtime.container.createChildContainer(),
    baseDir: runtime.root,
    numClasses,
    inputShape,
    rng: Rng.derive(0, 'init', 'teacher'),
    scope: 'teacher',
  })) as Network;
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
