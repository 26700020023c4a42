import { resolve } from 'node:path';
import type { CliIo } from '../io.js';
import { createRuntime, type CliOptions } from '../runtime.js';

/** `kd validate <config>`: schema and semantic checks, no tensors. */
export async function validateCommand(file: string, io: CliIo, options: CliOptions): Promise<number> {
  const runtime = createRuntime(io, options);
  const path = resolve(io.cwd, file);
  const { config } = await runtime.validateFile(path);
  io.out(`${path}: valid (dataset ${config.dataset.name}, student ${config.student.backbone.name}${config.teacher ? `, teacher ${config.teacher.backbone.name}` : ''}${config.distiller ? `, distiller ${config.distiller.name}` : ', no distiller'})\n`);
  return 0;
}
