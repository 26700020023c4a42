import { resolve } from 'node:path';
import type { CliIo } from '../io.js';
import { createRuntime, type CliOptions } from '../runtime.js';
import type { DefineCommand } from '../context.js';
import { addConfigFlags, withConfigFlags, type ConfigFlags } from '../config-flags.js';

/**
 * `kd validate <config>`: every check `kd run` makes before training, through the same code (so a config it accepts
 * is one run starts); `schemaOnly`: the schema and cross-section rules, without reading data or building networks.
 */
export async function validateCommand(file: string, io: CliIo, options: CliOptions, schemaOnly = false): Promise<number> {
  const runtime = createRuntime(io, options);
  const path = resolve(io.cwd, file);
  const overrides = options.overrides ?? [];
  const { config } = schemaOnly ? await runtime.checkConfigFile(path, overrides) : await runtime.validateFile(path, overrides);
  io.out(
    `${path}: valid (dataset ${config.dataset.name}, student ${config.student.backbone.name}${config.teacher ? `, teacher ${config.teacher.backbone.name}` : ''}${config.distiller ? `, distiller ${config.distiller.name}` : ', no distiller'})\n`,
  );
  return 0;
}

export const defineValidate: DefineCommand = (program, ctx) => {
  addConfigFlags(
    program
      .command('validate')
      .summary('every check kd run makes before training, without training')
      .description(
        'Every check kd run makes before training: the schema, files, data headers, teacher weights, batch sizes (a dataset ' +
          'with download: true is fetched, as kd run would). Exit 2 with JSON pointers into the config when it is wrong.',
      )
      .argument('<config>', 'the pipeline config (JSON)')
      .option('--schema-only', 'the schema and cross-section rules only, reading no data (e.g. before a dataset is downloaded)', false),
  ).action(async (config: string, flags: ConfigFlags & { schemaOnly: boolean }) => {
    ctx.config = config;
    ctx.exitCode = await validateCommand(config, ctx.io, withConfigFlags(ctx.options, flags), flags.schemaOnly);
  });
};
