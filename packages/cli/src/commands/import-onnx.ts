import { copyFileSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { KdInputError, Rng, type Network } from '@kd/core';
import { selectBackend } from '@kd/core/host';
import type { CliIo } from '../io.js';
import { createRuntime, type CliOptions } from '../runtime.js';
import { backboneOptions, loadBackbonePlugin } from './backbone.js';
import { parseInput, parseNumClasses } from './backbone-args.js';
import { checkOutDir, importPackage, parityLine, randomImages, writeAtomically } from './import-files.js';
import { compareLogits, readReference, type Parity } from './parity-reference.js';

export interface ImportOnnxArgs {
  readonly source: string;
  readonly outDir: string;
  readonly layout: string | undefined;
  readonly logits: string | undefined;
  readonly embedding: string | undefined;
  readonly inputName: string | undefined;
  readonly stages: string | undefined;
  readonly numClasses: string | undefined;
  readonly input: string | undefined;
  readonly reference: string | undefined;
  readonly json: boolean;
}

/** What this command uses of @kd/backbone-onnx beyond its plugin: typed here, so the CLI does not depend on it. */
interface OnnxPackage {
  inspectOnnxModel(
    file: string,
    options: { layout: 'NCHW' | 'NHWC'; input: string; logits: string },
    where: string,
  ): { inputShape: readonly [number, number, number] | undefined; numClasses: number | undefined };
  readonly ONNX_TEACHER_FILE: string;
  readonly ONNX_TEACHER_FORMAT: string;
}

const COMMAND = 'kd import onnx';
const MODEL_FILE = 'model.onnx';

function parseStages(v: string | undefined): Record<string, unknown> | undefined {
  if (v === undefined) return undefined;
  let o: unknown;
  try {
    o = JSON.parse(v);
  } catch (e) {
    throw new KdInputError(`--stages: not valid JSON (${(e as Error).message}); expected {"stage1": "<output name>", …}`);
  }
  if (!o || typeof o !== 'object' || Array.isArray(o))
    throw new KdInputError('--stages: expected a JSON object {"stage1": "<output name>", …}');
  return o as Record<string, unknown>;
}

/**
 * `kd import onnx <model.onnx> <out-dir>`: checks the model as a run would (ONNX Runtime opens it, the named outputs
 * exist, the input fits), copies it with a descriptor into a teacher directory that `teacher.weights` accepts, and
 * reports parity: ORT's logits against a reference the user computed, or, without one, a batch against the same
 * images one at a time (a model whose batch dimension is not truly dynamic mixes images).
 */
export async function importOnnxCommand(args: ImportOnnxArgs, io: CliIo, options: CliOptions): Promise<number> {
  const file = resolve(io.cwd, args.source);
  const outDir = resolve(io.cwd, args.outDir);
  if (!existsSync(file) || !statSync(file).isFile()) throw new KdInputError(`${file}: no such ONNX model file`);
  checkOutDir(outDir);
  const stages = parseStages(args.stages);
  const given: Record<string, unknown> = {
    ...(args.layout !== undefined ? { layout: args.layout } : {}),
    ...(args.logits !== undefined ? { logits: args.logits } : {}),
    ...(args.embedding !== undefined ? { embedding: args.embedding } : {}),
    ...(args.inputName !== undefined ? { input: args.inputName } : {}),
    ...(stages ? { stages } : {}),
  };
  const runtime = createRuntime(io, options);
  const opts = await backboneOptions(runtime, 'onnx', given, COMMAND);
  const onnx = await importPackage<OnnxPackage>('@kd/backbone-onnx', runtime.root, options, COMMAND);
  await selectBackend('cpu');

  // The image size and class count the model declares, unless the user says otherwise; the load below checks both.
  const declared = onnx.inspectOnnxModel(
    file,
    { layout: opts['layout'] as 'NCHW' | 'NHWC', input: opts['input'] as string, logits: opts['logits'] as string },
    file,
  );
  const inputShape = args.input !== undefined ? parseInput(args.input) : declared.inputShape;
  if (!inputShape) throw new KdInputError(`${file}: the model's input leaves its image size symbolic; give it with --input h,w,c`);
  const numClasses = args.numClasses !== undefined ? parseNumClasses(args.numClasses, COMMAND) : declared.numClasses;
  if (numClasses === undefined)
    throw new KdInputError(`${file}: the model's logits output leaves its class count symbolic; give it with --num-classes <n>`);
  const reference = args.reference ? readReference(resolve(io.cwd, args.reference), inputShape, numClasses) : undefined;

  const plugin = await loadBackbonePlugin(runtime, 'onnx', COMMAND);
  const network = (await plugin.create(opts, {
    container: runtime.container.createChildContainer(),
    baseDir: runtime.root,
    numClasses,
    inputShape,
    rng: Rng.derive(0, 'init', 'teacher'),
    scope: 'teacher',
  })) as Network;
  try {
    await network.loadWeights!(file, COMMAND);
    const parity = reference ? referenceParity(network, reference) : batchParity(network, inputShape);
    await writeAtomically(outDir, (dir) => {
      copyFileSync(file, join(dir, MODEL_FILE));
      const descriptor = {
        format: onnx.ONNX_TEACHER_FORMAT,
        version: 1,
        model: MODEL_FILE,
        backbone: opts,
        numClasses,
        inputShape,
        source: file,
      };
      writeFileSync(join(dir, onnx.ONNX_TEACHER_FILE), `${JSON.stringify(descriptor, null, 2)}\n`);
    });
    const teacher = { backbone: { name: 'onnx', ...given }, weights: outDir };
    const stageShapes = Object.fromEntries(network.stages.map((s) => [s.name, s.outputShape]));
    if (args.json)
      io.out(
        `${JSON.stringify({ format: 'onnx', source: file, teacherDir: outDir, numClasses, inputShape, stages: stageShapes, teacher, parity }, null, 2)}\n`,
      );
    else {
      io.out(
        `imported ${file}: input ${inputShape.join('×')} (HWC), ${numClasses} classes, stages ${JSON.stringify(stageShapes)} (NHWC)\n`,
      );
      io.out(`teacher directory: ${outDir} (use it as "teacher": ${JSON.stringify(teacher)})\n`);
      io.out(
        parityLine(
          parity.kind === 'reference'
            ? 'parity (ONNX Runtime vs the reference logits)'
            : 'batch consistency (ONNX Runtime, a batch vs one image at a time)',
          parity,
        ),
      );
      if (parity.kind !== 'reference')
        io.out('no --reference given: parity with the source framework was not checked (see the README for a two-line way to make one)\n');
    }
    return 0;
  } finally {
    reference?.input.dispose();
    network.dispose();
  }
}

type OnnxParity = Parity & { readonly kind: 'reference' | 'batch-consistency' };

function referenceParity(network: Network, reference: { input: tf.Tensor4D; logits: Float32Array }): OnnxParity {
  const logits = tf.tidy(() => network.apply(reference.input, { training: false }).logits);
  try {
    return { kind: 'reference', ...compareLogits(logits, reference.logits) };
  } finally {
    logits.dispose();
  }
}

function batchParity(network: Network, inputShape: readonly [number, number, number]): OnnxParity {
  const [batched, single] = tf.tidy(() => {
    const x = randomImages(inputShape);
    const one = tf.split(x, x.shape[0]).map((image) => network.apply(image as tf.Tensor4D, { training: false }).logits);
    return [network.apply(x, { training: false }).logits, tf.concat(one, 0)];
  });
  try {
    return { kind: 'batch-consistency', ...compareLogits(batched!, single!.dataSync() as Float32Array) };
  } finally {
    tf.dispose([batched!, single!]);
  }
}
