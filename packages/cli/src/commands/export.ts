import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KdInputError, NETWORK_FILE } from '@kd/core';
import {
  appendLinearHead,
  LAYERS_MODEL_FILES,
  loadNetworkWithoutHead,
  readNetworkFile,
  saveLayersModelToDir,
  selectBackend,
} from '@kd/core/host';
import { writeFileAtomic } from '@kd/core';
import type { CliIo } from '../io.js';
import { runDatasetInfo } from '../export-dataset.js';
import { writeExamplePage } from '../export-page.js';
import { PREPROCESSING_FILE, PREPROCESSING_SCHEMA_FILE, preprocessingOf, preprocessingSchema } from '../export-preprocessing.js';
import { createRuntime, type CliOptions } from '../runtime.js';
import type { DefineCommand } from '../context.js';
import { buildBackbone } from './backbone.js';

/**
 * `kd export <run-dir> <out-dir> [--json]`: the trained classifier as a standard tfjs layers model (model.json +
 * weights.bin, with the distiller's head when the run had one), the preprocessing it expects (preprocessing.json) and
 * a browser page that classifies an image file with it.
 */
export async function exportCommand(
  args: { runDir: string; outDir: string; json: boolean },
  io: CliIo,
  options: CliOptions,
): Promise<number> {
  const runDir = resolve(io.cwd, args.runDir);
  const outDir = resolve(io.cwd, args.outDir);
  const path = join(runDir, 'final', NETWORK_FILE);
  if (!existsSync(path)) throw new KdInputError(`${runDir}: not a finished kd run directory (no ${path}); train it first with kd run`);
  const file = readNetworkFile(path);
  const b = file.backbone;
  const shape = file.inputShape;
  if (existsSync(outDir) && !statSync(outDir).isDirectory()) throw new KdInputError(`${outDir}: exists and is not a directory`);

  const source = `${path}: /backbone/name`;
  const runtime = createRuntime(io, options);
  await selectBackend('cpu');
  const network = await buildBackbone(runtime, { name: b.name, options: b.options }, file.numClasses, [...shape], source);
  try {
    loadNetworkWithoutHead(join(runDir, 'final'), network, file, path);
    if (!network.toLayersModel)
      throw new KdInputError(`${path}: the "${b.name}" backbone cannot export a tfjs layers model (it has no toLayersModel())`);
    const dataset = await runDatasetInfo(runtime, runDir);
    // Checked before anything is written: an eval transform without a deployable form fails the export.
    const preprocessing = dataset.info
      ? preprocessingOf(shape, file.numClasses, dataset.info, file.head?.name, `${runDir}: the dataset's evaluation transforms`)
      : undefined;
    const model = appendLinearHead(
      network.toLayersModel() as Parameters<typeof appendLinearHead>[0],
      join(runDir, 'final'),
      file,
      path,
    ) as Parameters<typeof saveLayersModelToDir>[0];
    const result = await saveLayersModelToDir(model, outDir);
    const names: string[] = [LAYERS_MODEL_FILES.model, LAYERS_MODEL_FILES.weights];
    if (preprocessing) {
      writeFileAtomic(join(outDir, PREPROCESSING_FILE), `${JSON.stringify(preprocessing, null, 2)}\n`);
      writeFileAtomic(join(outDir, PREPROCESSING_SCHEMA_FILE), `${JSON.stringify(preprocessingSchema, null, 2)}\n`);
      names.push(PREPROCESSING_FILE, PREPROCESSING_SCHEMA_FILE);
      for (const f of writeExamplePage(outDir)) names.push(f.slice(outDir.length + 1));
    } else
      io.err(
        `warning: ${PREPROCESSING_FILE} and the example page not written: ${dataset.reason} (the class names and normalisation come from the run's dataset)\n`,
      );
    const files = names.map((f) => ({ path: join(outDir, f), bytes: statSync(join(outDir, f)).size }));
    const report = {
      runDir,
      outDir,
      backbone: b.name,
      ...(file.head ? { head: file.head.name } : {}),
      numClasses: file.numClasses,
      inputShape: shape,
      params: network.countParams(),
      weightBytes: result.modelArtifactsInfo.weightDataBytes ?? 0,
      files,
    };
    if (args.json) io.out(`${JSON.stringify(report, null, 2)}\n`);
    else {
      io.out(
        `exported the ${b.name} classifier of ${runDir} (input [${shape.join(', ')}], ${String(file.numClasses)} classes, ${report.params.toLocaleString('en-US')} parameters)\n`,
      );
      for (const f of files) io.out(`wrote ${f.path} (${f.bytes.toLocaleString('en-US')} bytes)\n`);
      io.out(
        `load it with tf.loadLayersModel (over http, or from disk with @kd/core's fileLoadHandler / registerFileRouter); its output is the logits` +
          (file.head ? ` after the distiller's "${file.head.name}" head (part of the deployed model)` : '') +
          '\n',
      );
      if (preprocessing)
        io.out(
          `${PREPROCESSING_FILE} says how to prepare an image; to classify one in a browser, serve the directory (e.g. npx http-server ${outDir}) and open index.html\n`,
        );
    }
    return 0;
  } finally {
    network.dispose();
  }
}

export const defineExport: DefineCommand = (program, ctx) => {
  program
    .command('export')
    .summary("a run's trained classifier as a tfjs layers model, its preprocessing and a browser example page")
    .description(
      "Write a finished run's trained classifier as a standard TensorFlow.js layers model (model.json + weights.bin), loaded " +
        "with tf.loadLayersModel; its output is the logits (after the distiller's head, e.g. AEKT's serialisation layer, when " +
        'the run had one). Beside it: preprocessing.json (class names, input size and layout, the resize/crop and mean/std ' +
        'normalisation of the test split) and index.html, a page that classifies an image file with stock TensorFlow.js (copied into tfjs/).',
    )
    .argument('<run-dir>', 'a finished kd run directory')
    .argument('<out-dir>', 'where to write model.json, weights.bin, preprocessing.json and the example page')
    .option('--json', 'print what was written as JSON on stdout', false)
    .action(async (runDir: string, outDir: string, flags: { json: boolean }) => {
      ctx.exitCode = await exportCommand({ runDir, outDir, json: flags.json }, ctx.io, ctx.options);
    });
};
