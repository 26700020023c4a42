import { parseArgs } from 'node:util';
import { isInputError } from '@kd/core';
import { processIo, type CliIo } from './io.js';
import type { CliOptions } from './runtime.js';
import { runCommand } from './commands/run.js';
import { validateCommand } from './commands/validate.js';
import { schemaCommand } from './commands/schema.js';
import { pluginsCommand } from './commands/plugins.js';
import { planCommand } from './commands/plan.js';
import { describeCommand } from './commands/describe.js';
import { exportCommand } from './commands/export.js';
import { reportCommand } from './commands/report.js';

export const USAGE = `kd — knowledge distillation for TensorFlow.js

usage:
  kd run <config.json> [--json]        train (and distil) as the config says; writes a run directory
  kd run --resume <run-dir> [--json]   continue an interrupted run from its last checkpoint
  kd validate <config.json>            check a config against the installed plugins' schemas
  kd plan <config.json> [--json]       build the models without training: shapes, parameters, memory
  kd schema [--out kd.schema.json]     write the pipeline JSON Schema for editors
  kd plugins [--json]                  list installed plugins and their options
  kd describe backbone <name> --num-classes <n> [--input 32,32,3] [--options '<json>'] [--json]
                                       build a backbone untrained: parameters, FLOPs, stage and feature shapes
  kd export <run-dir> <out-dir> [--json]
                                       write a run's trained classifier as a tfjs layers model (model.json + weights.bin)
  kd report <run-dir> [--out <file>]   (re)write a run's self-contained report.html (every kd run writes one)
  kd report <run-dir> <run-dir>... [--out kd-comparison.html]
                                       one page comparing several runs: metrics side by side, overlaid curves
  kd report <bench-results/name.json> [--out <file>]
                                       a benchmark aggregate as a page (default: beside it, name.html)

exit codes: 0 ok, 2 invalid input, 1 failure
`;

class UsageError extends Error {}

function one(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`expected exactly one ${what}, got ${positionals.length}`);
  return positionals[0]!;
}

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo, options: CliOptions = {}): Promise<number> {
  const [command, ...rest] = argv;
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: 'boolean', default: false },
        resume: { type: 'string' },
        out: { type: 'string' },
        'num-classes': { type: 'string' },
        input: { type: 'string' },
        options: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help || command === undefined || command === 'help' || command === '--help' || command === '-h') {
      io.out(USAGE);
      return command === undefined ? 2 : 0;
    }
    switch (command) {
      case 'run':
        if (values.resume) {
          if (positionals.length) throw new UsageError('kd run --resume takes the run directory, not a config');
          return await runCommand({ resume: values.resume, json: values.json }, io, options);
        }
        return await runCommand({ config: one(positionals, 'config file'), json: values.json }, io, options);
      case 'validate':
        return await validateCommand(one(positionals, 'config file'), io, options);
      case 'plan':
        return await planCommand({ config: one(positionals, 'config file'), json: values.json }, io, options);
      case 'schema':
        return await schemaCommand(values.out ? { out: values.out } : {}, io, options);
      case 'plugins':
        return await pluginsCommand({ json: values.json }, io, options);
      case 'describe': {
        if (positionals.length !== 2) throw new UsageError('usage: kd describe backbone <name> --num-classes <n> [--input h,w,c] [--options json] [--json]');
        return await describeCommand(
          { what: positionals[0]!, name: positionals[1]!, numClasses: values['num-classes'], input: values.input, options: values.options, json: values.json },
          io,
          options,
        );
      }
      case 'export':
        if (positionals.length !== 2) throw new UsageError(`kd export takes <run-dir> <out-dir>, got ${positionals.length} arguments`);
        return await exportCommand({ runDir: positionals[0]!, outDir: positionals[1]!, json: values.json }, io, options);
      case 'report':
        if (positionals.length === 0) throw new UsageError('kd report takes one or more run directories (or a bench .json)');
        return await reportCommand({ targets: positionals, ...(values.out ? { out: values.out } : {}), json: values.json }, io);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`kd: ${(e as Error).message}\n\n${USAGE}`);
      return 2;
    }
    if (isInputError(e)) {
      io.err(`kd: ${(e as Error).message}\n`);
      return 2;
    }
    io.err(`kd: failed: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}
