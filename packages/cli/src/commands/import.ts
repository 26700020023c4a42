import { existsSync, readdirSync, statSync } from 'node:fs';
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
  // Nothing of the user's is replaced: the teacher directory must be new or empty.
  if (existsSync(outDir) && (!statSync(outDir).isDirectory() || readdirSync(outDir).length > 0))
    throw new KdInputError(`${outDir}: exists and is not an empty directory; choose a new directory for the imported teacher`);
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
    const report = importPyTorchTeacher(file, network, outDir);
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

export const defineImport: DefineCommand = (program, ctx) => {
  program
    .command('import')
    .summary('a PyTorch state dict as a kd teacher directory, with a parity report')
    .description(
      'Read a PyTorch state dict (mdistiller/RepDistiller CIFAR zoo, torchvision ResNets) without Python and write it as a kd ' +
        "teacher directory for teacher.weights; with --reference (inputs and the source's logits on them), a parity report.",
    )
    .addArgument(new Argument('<format>', 'the checkpoint format').choices(['pytorch']))
    .argument('<checkpoint>', 'the .pth/.pt file')
    .argument('<out-dir>', 'the teacher directory to create (new or empty)')
    .option('--backbone <name>', 'the kd backbone whose architecture the checkpoint holds (required)')
    .option('--options <json>', "the backbone's options as a JSON object")
    .option('--num-classes <n>', 'classes of the classifier (required)')
    .option('--input <h,w,c>', 'input height, width and channels (default 32,32,3)')
    .option('--reference <ref.json>', "inputs and the source framework's logits on them: compare kd's logits with them")
    .option('--json', 'print the import report as JSON on stdout', false)
    .action(
      async (
        format: string,
        source: string,
        outDir: string,
        flags: { backbone?: string; options?: string; numClasses?: string; input?: string; reference?: string; json: boolean },
      ) => {
        ctx.exitCode = await importCommand(
          {
            format,
            source,
            outDir,
            backbone: flags.backbone,
            options: flags.options,
            numClasses: flags.numClasses,
            input: flags.input,
            reference: flags.reference,
            json: flags.json,
          },
          ctx.io,
          ctx.options,
        );
      },
    );
};
