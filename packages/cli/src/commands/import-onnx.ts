import { copyFileSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KdInputError } from '@kd/core';
import { selectBackend } from '@kd/core/host';
import type { CliIo } from '../io.js';
import { createRuntime, type CliOptions } from '../runtime.js';
import { backboneOptions } from './backbone.js';
import { parseInput, parseNumClasses } from './backbone-args.js';
import { checkOutDir, importPackage, writeAtomically } from './import-files.js';
import { createTeacher, givenOptions, parseStagesFlag, reportTeacher, teacherParity, type ParityLabels } from './import-teacher.js';
import { readReference } from './parity-reference.js';

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
const PARITY_LABELS: ParityLabels = {
  reference: 'parity (ONNX Runtime vs the reference logits)',
  batch: 'batch consistency (ONNX Runtime, a batch vs one image at a time)',
  noReference: 'see the README for a two-line way to make one',
};

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
  const given = givenOptions({
    layout: args.layout,
    logits: args.logits,
    embedding: args.embedding,
    input: args.inputName,
    stages: parseStagesFlag(args.stages, 'output name'),
  });
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

  const network = await createTeacher(runtime, 'onnx', opts, numClasses, inputShape, COMMAND);
  try {
    await network.loadWeights!(file, COMMAND);
    const parity = teacherParity(network, reference, inputShape);
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
    const stages = Object.fromEntries(network.stages.map((s) => [s.name, s.outputShape]));
    reportTeacher(
      io,
      args.json,
      `imported ${file}: input ${inputShape.join('×')} (HWC), ${numClasses} classes, stages ${JSON.stringify(stages)} (NHWC)`,
      { format: 'onnx', source: file, teacherDir: outDir, numClasses, inputShape, stages, teacher, parity },
      PARITY_LABELS,
    );
    return 0;
  } finally {
    reference?.input.dispose();
    network.dispose();
  }
}
