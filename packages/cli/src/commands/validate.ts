import { resolve } from 'node:path';
import type { CliIo } from '../io.js';
import { createRuntime, type CliOptions } from '../runtime.js';

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
