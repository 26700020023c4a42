import { resolve } from 'node:path';
import { writeFileAtomic } from '@kd/core';
import type { CliIo } from '../io.js';
import { createRuntime, type CliOptions } from '../runtime.js';
import type { DefineCommand } from '../context.js';

/**
 * `kd schema [--out file]`: the composed pipeline schema for the installed plugins, with every plugin's
 * options inlined under `$defs`, so editors can complete configs from one self-contained file.
 */
export async function schemaCommand(args: { out?: string }, io: CliIo, options: CliOptions): Promise<number> {
  const runtime = createRuntime(io, options);
  await runtime.loadAll();
  // `$id` is the validator's internal name; editors resolve the file by its path instead.
  const { $id: _id, ...schema } = runtime.validator().schema as Record<string, unknown>;
  const defs: Record<string, unknown> = {};
  for (const m of runtime.registry.manifests) {
    const { $schema: _drop, ...rest } = m.optionsSchema as Record<string, unknown>;
    defs[`${m.kind}-${m.name}`] = rest;
  }
  const text = JSON.stringify(
    { ...schema, $defs: defs },
    (key, value) =>
      key === '$ref' && typeof value === 'string' && value.startsWith('kd:') ? `#/$defs/${value.slice(3).replace('/', '-')}` : value,
    2,
  );
  if (args.out) {
    const path = resolve(io.cwd, args.out);
    writeFileAtomic(path, `${text}\n`);
    io.err(`kd: wrote ${path}\n`);
  } else io.out(`${text}\n`);
  return 0;
}

export const defineSchema: DefineCommand = (program, ctx) => {
  program
    .command('schema')
    .summary('the pipeline JSON Schema of the installed plugins, for editors')
    .description(
      "The pipeline JSON Schema composed from the installed plugins, every plugin's options inlined under $defs: point a " +
        'config\'s "$schema" at it for completion and checking in editors.',
    )
    .option('--out <file>', 'write the schema to this file instead of stdout')
    .action(async (flags: { out?: string }) => {
      ctx.exitCode = await schemaCommand(flags.out ? { out: flags.out } : {}, ctx.io, ctx.options);
    });
};
