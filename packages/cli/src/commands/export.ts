import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KdInputError, loadNetwork, NETWORK_FILE } from '@kd/core';
import { LAYERS_MODEL_FILES, readNetworkFile, saveLayersModelToDir, selectBackend } from '@kd/core/host';
import type { CliIo } from '../io.js';
import { createRuntime, type CliOptions } from '../runtime.js';
import type { DefineCommand } from '../context.js';
import { buildBackbone } from './backbone.js';

/** `kd export <run-dir> <out-dir> [--json]`: the trained classifier as a standard tfjs layers model (model.json + weights.bin). */
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
  if (file.head)
    throw new KdInputError(
      `${path}: the network was trained with a "${file.head.name}" head on its logits (e.g. AEKT's serialOrder "kd->cls"); exporting a network with a head is not supported yet`,
    );
  const b = file.backbone;
  const shape = file.inputShape;
  if (existsSync(outDir) && !statSync(outDir).isDirectory()) throw new KdInputError(`${outDir}: exists and is not a directory`);

  const source = `${path}: /backbone/name`;
  const runtime = createRuntime(io, options);
  await selectBackend('cpu');
  const network = await buildBackbone(runtime, { name: b.name, options: b.options }, file.numClasses, [...shape], source);
  try {
    loadNetwork(join(runDir, 'final'), network, path);
    if (!network.toLayersModel)
      throw new KdInputError(`${path}: the "${b.name}" backbone cannot export a tfjs layers model (it has no toLayersModel())`);
    const model = network.toLayersModel() as Parameters<typeof saveLayersModelToDir>[0];
    const result = await saveLayersModelToDir(model, outDir);
    const files = [LAYERS_MODEL_FILES.model, LAYERS_MODEL_FILES.weights].map((f) => ({
      path: join(outDir, f),
      bytes: statSync(join(outDir, f)).size,
    }));
    const report = {
      runDir,
      outDir,
      backbone: b.name,
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
        `load it with tf.loadLayersModel (over http, or from disk with @kd/core's fileLoadHandler / registerFileRouter); its output is the logits\n`,
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
    .summary("a run's trained classifier as a tfjs layers model (model.json + weights.bin)")
    .description(
      "Write a finished run's trained classifier as a standard TensorFlow.js layers model (model.json + weights.bin), loaded " +
        'with tf.loadLayersModel; its output is the logits.',
    )
    .argument('<run-dir>', 'a finished kd run directory')
    .argument('<out-dir>', 'where to write model.json and weights.bin')
    .option('--json', 'print what was written as JSON on stdout', false)
    .action(async (runDir: string, outDir: string, flags: { json: boolean }) => {
      ctx.exitCode = await exportCommand({ runDir, outDir, json: flags.json }, ctx.io, ctx.options);
    });
};
