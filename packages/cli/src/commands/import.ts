import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { KdInputError } from '@kd/core';
import { selectBackend } from '@kd/core/host';
import { importPyTorchTeacher } from '@kd/import-pytorch';
import type { CliIo } from '../io.js';
import { createRuntime, type CliOptions } from '../runtime.js';
import { backboneOptions, buildBackbone } from './backbone.js';
import { parseInput, parseNumClasses, parseOptions } from './backbone-args.js';
import { compareLogits, readReference, type Parity } from './parity-reference.js';
import { checkOutDir, writeAtomically } from './import-files.js';
import { importOnnxCommand } from './import-onnx.js';
import { importTfjsCommand } from './import-tfjs.js';
import { Argument } from 'commander';
import type { DefineCommand } from '../context.js';

export interface ImportArgs {
  readonly format: string;
  readonly source: string;
  readonly outDir: string;
  readonly backbone: string | undefined;
  readonly options: string | undefined;
  readonly numClasses: string | undefined;
  readonly input: string | undefined;
  readonly reference: string | undefined;
  readonly json: boolean;
}

/**
 * `kd import pytorch <checkpoint> <out-dir> --backbone <name> [--options json] --num-classes <n> [--input h,w,c]
 * [--reference ref.json]`: a PyTorch state dict as a kd teacher directory (`final/network.json` + `network.bin`),
 * which `kd run` takes as `teacher.weights`; with a reference (inputs and the source framework's logits on them), a
 * parity report.
 */
export async function importCommand(args: ImportArgs, io: CliIo, options: CliOptions): Promise<number> {
  if (!args.backbone)
    throw new KdInputError('kd import pytorch: --backbone <name> is required (the kd backbone whose architecture the checkpoint holds)');
  const file = resolve(io.cwd, args.source);
  const outDir = resolve(io.cwd, args.outDir);
  if (!existsSync(file)) throw new KdInputError(`${file}: no such checkpoint file`);
  checkOutDir(outDir);
  const numClasses = parseNumClasses(args.numClasses, 'kd import pytorch');
  const inputShape = parseInput(args.input);
  const source = `kd import pytorch --backbone ${args.backbone}`;
  const runtime = createRuntime(io, options);
  const given = parseOptions(args.options);
  const opts = await backboneOptions(runtime, args.backbone, given, source);
  await selectBackend('cpu');
  // Read before anything is written: a reference that does not fit is an input error with nothing to undo.
  const reference = args.reference ? readReference(resolve(io.cwd, args.reference), inputShape, numClasses) : undefined;
  const network = await buildBackbone(runtime, { name: args.backbone, options: opts }, numClasses, inputShape, source);
  try {
    const report = await writeAtomically(outDir, (dir) => importPyTorchTeacher(file, network, dir));
    let parity: Parity | undefined;
    if (reference) {
      const logits = tf.tidy(() => network.apply(reference.input, { training: false }).logits);
      try {
        parity = compareLogits(logits, reference.logits);
      } finally {
        logits.dispose();
      }
    }
    const out = { ...report, teacherDir: outDir, ...(parity ? { parity } : {}) };
    if (args.json) io.out(`${JSON.stringify(out, null, 2)}\n`);
    else {
      io.out(
        `imported ${report.family} from ${file} (${report.format} format${report.wrapperKey ? `, under "${report.wrapperKey}"` : ''}): ${report.variables} variables, ${report.values.toLocaleString('en-US')} values in ${report.seconds.toFixed(2)} s\n`,
      );
      for (const n of report.notes) io.out(`note: ${n}\n`);
      io.out(
        `teacher directory: ${outDir} (use it as "teacher": { "backbone": ${JSON.stringify({ name: args.backbone, ...given })}, "weights": ${JSON.stringify(outDir)} })\n`,
      );
      if (parity)
        io.out(
          `parity on ${parity.samples} reference inputs: max abs error ${parity.maxAbsError.toExponential(2)}, max rel error ${parity.maxRelError.toExponential(2)}, top-1 agreement ${(parity.top1Agreement * 100).toFixed(2)}%\n`,
        );
      else
        io.out('no --reference given: parity with the source framework was not checked (see the README for a two-line way to make one)\n');
    }
    return 0;
  } finally {
    reference?.input.dispose();
    network.dispose();
  }
}

/** The flags each format reads; any other is an input error rather than silently ignored. */
const FLAGS: Readonly<Record<string, readonly string[]>> = {
  pytorch: ['backbone', 'options', 'numClasses', 'input', 'reference'],
  onnx: ['layout', 'logits', 'embedding', 'inputName', 'stages', 'numClasses', 'input', 'reference'],
  tfjs: ['backbone', 'options', 'names', 'layout', 'logits', 'embedding', 'stages', 'numClasses', 'input', 'reference'],
};

const flagName = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

interface ImportFlags {
  readonly backbone?: string;
  readonly options?: string;
  readonly numClasses?: string;
  readonly input?: string;
  readonly reference?: string;
  readonly layout?: string;
  readonly logits?: string;
  readonly embedding?: string;
  readonly inputName?: string;
  readonly stages?: string;
  readonly names?: string;
  readonly json: boolean;
}

export const defineImport: DefineCommand = (program, ctx) => {
  program
    .command('import')
    .summary('a PyTorch state dict, an ONNX model or a TensorFlow.js layers model as a kd teacher directory, with a parity report')
    .description(
      'pytorch: read a state dict (mdistiller/RepDistiller CIFAR zoo, torchvision ResNets) without Python into a kd backbone. ' +
        'onnx: check a model in ONNX Runtime and copy it with a descriptor (teacher backbone "onnx"). ' +
        'tfjs: map a layers model (a converted Keras model) onto a kd backbone by layer name, or check a graph model and copy it (teacher backbone "tfjs"). ' +
        "Each writes <out-dir> (new or empty; nothing is written on error) for teacher.weights, and reports parity: with --reference (inputs and the source's logits on them), against it.",
    )
    .addArgument(new Argument('<format>', 'the source format').choices(['pytorch', 'onnx', 'tfjs']))
    .argument('<source>', 'the .pth/.pt file (pytorch), the .onnx file (onnx), or model.json or its directory (tfjs)')
    .argument('<out-dir>', 'the teacher directory to create (new or empty)')
    .option('--backbone <name>', 'pytorch, tfjs layers models: the kd backbone whose architecture the source holds (required)')
    .option('--options <json>', "pytorch, tfjs: the backbone's options as a JSON object")
    .option('--num-classes <n>', 'classes of the classifier (required for pytorch and tfjs; onnx: read from the logits output)')
    .option('--input <h,w,c>', 'input height, width and channels (default 32,32,3; onnx: read from the model)')
    .option('--reference <ref.json>', "inputs and the source framework's logits on them: compare the imported teacher's logits with them")
    .option('--layout <layout>', 'onnx, tfjs graph models: the image input layout (onnx: NCHW by default; tfjs: NHWC by default)')
    .option(
      '--logits <name>',
      'onnx: the output holding the logits (default "logits"); tfjs graph models: the node (default: the only output)',
    )
    .option('--embedding <name>', 'onnx, tfjs graph models: the output (node) holding the pooled embedding')
    .option('--input-name <name>', "onnx: the image input's name (default: the model's only input)")
    .option(
      '--stages <json>',
      'onnx, tfjs graph models: kd stage name → output (node) name, e.g. \'{"stage1":"layer1_out"}\', for feature distillers',
    )
    .option('--names <map.json>', "tfjs: a JSON file of kd layer name → the model's layer name, for layers whose names differ")
    .option('--json', 'print the import report as JSON on stdout', false)
    .action(async (format: string, source: string, outDir: string, flags: ImportFlags) => {
      const unused = Object.entries(flags).filter(([k, v]) => k !== 'json' && v !== undefined && !FLAGS[format]!.includes(k));
      if (unused.length)
        throw new KdInputError(
          `kd import ${format}: ${unused.map(([k]) => flagName(k)).join(', ')} ${unused.length > 1 ? 'do' : 'does'} not apply to this format (its flags: ${FLAGS[format]!.map(flagName).join(', ')}, --json)`,
        );
      const common = { source, outDir, numClasses: flags.numClasses, input: flags.input, reference: flags.reference, json: flags.json };
      ctx.exitCode =
        format === 'onnx'
          ? await importOnnxCommand(
              {
                ...common,
                layout: flags.layout,
                logits: flags.logits,
                embedding: flags.embedding,
                inputName: flags.inputName,
                stages: flags.stages,
              },
              ctx.io,
              ctx.options,
            )
          : format === 'tfjs'
            ? await importTfjsCommand(
                {
                  ...common,
                  backbone: flags.backbone,
                  options: flags.options,
                  names: flags.names,
                  layout: flags.layout,
                  logits: flags.logits,
                  embedding: flags.embedding,
                  stages: flags.stages,
                },
                ctx.io,
                ctx.options,
              )
            : await importCommand({ ...common, format, backbone: flags.backbone, options: flags.options }, ctx.io, ctx.options);
    });
};
