import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isInputError } from '@kd/core';
import { coreVersion, isRunError } from '@kd/core/host';
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
import { importCommand } from './commands/import.js';
import { sweepCommand } from './commands/sweep.js';
import { runFromCommand } from './commands/run-from.js';
import { sweepQueueCommand } from './commands/sweep-queue.js';
import { workerCommand } from './commands/worker.js';

export const USAGE = `kd — knowledge distillation for TensorFlow.js

usage:
  kd --version                         kd's, @kd/core's and Node's versions
  kd run <config.json> [--json]        train (and distil) as the config says; writes a run directory
  kd run --resume <run-dir> [--json]   continue an interrupted run from its last checkpoint
  kd run --from <jobs.jsonl> --index <i> [--json]
                                       run cell i of a study (kd sweep --emit): skipped when finished, resumed when
                                       interrupted (Slurm job arrays, Kubernetes Indexed Jobs)
  kd validate <config.json> [--schema-only]
                                       every check kd run makes before training (schema, files, data headers,
                                       teacher weights, batch sizes; a dataset with download: true is fetched, as
                                       kd run would); --schema-only: schema and cross-section rules only, reading
                                       no data (e.g. before a dataset is downloaded)
  kd plan <config.json> [--json]       build the models without training: shapes, parameters, memory
      run, validate and plan take --allow-local-plugins: import the module paths a config lists in
      "plugins" (a plugin is code: allow it only for configs you trust; packages are always allowed)
      and --set <path>=<value> (repeatable): override a config value, e.g. --set training.optimizer.lr=0.1
      --set distiller.temperature=2; validated like the file, recorded in provenance.json
  kd sweep <study.json> [--jobs N] [--json]
                                       every cell of a study (base configs × axes × seeds), checked before any runs;
                                       N at once as child processes; finished cells skipped, interrupted ones resumed
      --dry-run: list the cells (name, hash, state, overrides); --emit <jobs.jsonl>: one line per cell for
      kd run --from; --report [--out <file.json>]: mean ± std over seeds per group, as Markdown and JSON
  kd sweep <study.json> --queue redis://host:6379 [--status | --retry-failed] [--json]
                                       check the study, then enqueue its unfinished cells as BullMQ jobs (job id =
                                       cell hash); --status: queued / active / completed / failed (with the reason);
                                       --retry-failed: queue the failed cells again (needs @kd/sweep-bullmq)
  kd worker --queue redis://host:6379 [--concurrency N]
                                       run queued cells as kd child processes until SIGINT/SIGTERM (running cells
                                       checkpoint and go back to the queue); a retried cell resumes its checkpoint
  kd schema [--out kd.schema.json]     write the pipeline JSON Schema for editors
  kd plugins [--json]                  list installed plugins and their options
  kd describe backbone <name> --num-classes <n> [--input 32,32,3] [--options '<json>'] [--json]
                                       build a backbone untrained: parameters, FLOPs, stage and feature shapes
  kd export <run-dir> <out-dir> [--json]
                                       write a run's trained classifier as a tfjs layers model (model.json + weights.bin)
  kd report <run-dir> [--out <file>]   (re)write a run's self-contained report.html (every kd run writes one);
                                       --out writes it elsewhere and leaves the run directory alone
  kd report <run-dir> <run-dir>... [--out kd-comparison.html]   (the runs are read, never rewritten)
                                       one page comparing several runs: metrics side by side, overlaid curves
  kd report <bench-results/name.json> [--out <file>]
                                       a benchmark aggregate as a page (default: beside it, name.html)
  kd import pytorch <checkpoint.pth> <out-dir> --backbone <name> [--options json] --num-classes <n>
                    [--input 32,32,3] [--reference ref.json] [--json]
                                       a PyTorch state dict (mdistiller/RepDistiller CIFAR zoo, torchvision
                                       ResNets) as a kd teacher directory for teacher.weights; with a reference
                                       (inputs + the source's logits), a parity report

exit codes: 0 ok, 2 invalid input, 1 failure, 130/143 interrupted (Ctrl-C / SIGTERM)
KD_DEBUG=1 prints the stack trace of a failure
`;

class UsageError extends Error {}

function cliVersion(): string {
  try {
    return String((JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version);
  } catch {
    return 'unknown';
  }
}

const LOCAL_PLUGIN_COMMANDS = new Set(['run', 'validate', 'plan']);

/** Filesystem failures by errno: what happened in words, and whether the path the user chose is the cause (exit 2). */
const FS_ERRORS: Record<string, { what: string; input: boolean }> = {
  ENOSPC: { what: 'no space left on the device', input: false },
  EDQUOT: { what: 'disk quota exceeded', input: false },
  EIO: { what: 'input/output error', input: false },
  EMFILE: { what: 'too many open files', input: false },
  ENOENT: { what: 'no such file or directory', input: false },
  EACCES: { what: 'permission denied', input: true },
  EPERM: { what: 'operation not permitted', input: true },
  EROFS: { what: 'read-only file system', input: true },
  EISDIR: { what: 'is a directory, expected a file', input: true },
  ENOTDIR: { what: 'a part of the path is not a directory', input: true },
  EEXIST: { what: 'already exists', input: true },
  ENAMETOOLONG: { what: 'name too long', input: true },
  ELOOP: { what: 'too many symbolic links', input: true },
};

const DEBUG_HINT = '(set KD_DEBUG=1 for the stack trace)';

/**
 * How the CLI reports an error that reached it: the exit code and the text for stderr. Input errors (2) and run
 * failures that state their reason (1, 130, 143) print their message alone; a filesystem error names its path; an
 * unexpected error prints its message with a hint, and the stack only under KD_DEBUG=1 — a stack trace is for kd's
 * developers, the message for its users.
 */
export function describeError(e: unknown, debug = process.env['KD_DEBUG'] === '1', config?: string): { code: number; text: string } {
  const err = e instanceof Error ? e : undefined;
  const message = err ? err.message : String(e);
  const stack = debug && err?.stack ? `\n${err.stack}\n` : '';
  // Checks past the schema (the output directory, the teacher's weights, the dataset) state a pointer; which config
  // it points into is the command's.
  if (isInputError(e)) return { code: 2, text: `kd: ${config && !message.includes(config) ? `${config}: ` : ''}${message}\n${stack}` };
  if (isRunError(e)) return { code: e.exitCode, text: `kd: ${message}\n${stack}` };
  const fs = e as NodeJS.ErrnoException | undefined;
  const known = typeof fs?.code === 'string' && Object.hasOwn(FS_ERRORS, fs.code) ? FS_ERRORS[fs.code] : undefined;
  if (known && err) {
    const to = (e as { dest?: unknown }).dest;
    const dest = typeof to === 'string' ? ` → ${to}` : '';
    const where = fs!.path ? `${fs!.path}${dest}: ` : '';
    const op = fs!.syscall ? `${fs!.code} in ${fs!.syscall}` : fs!.code;
    const unnamed = fs!.path ? '' : '; the path was not reported';
    const text = `${where}${known.what} (${op})${unnamed}`;
    if (known.input) return { code: 2, text: `kd: ${text}\n${stack}` };
    return { code: 1, text: `kd: failed: ${text}\n${stack || `${DEBUG_HINT}\n`}` };
  }
  const cause = err?.cause instanceof Error ? ` (cause: ${err.cause.message})` : '';
  return { code: 1, text: `kd: failed: ${message}${cause}\n${stack || `${DEBUG_HINT}\n`}` };
}

function one(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`expected exactly one ${what}, got ${positionals.length}`);
  return positionals[0]!;
}

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo, options: CliOptions = {}): Promise<number> {
  const [command, ...rest] = argv;
  // The config file a command reads, named in every input error it reports.
  let config: string | undefined;
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
        'allow-local-plugins': { type: 'boolean', default: false },
        'schema-only': { type: 'boolean', default: false },
        set: { type: 'string', multiple: true },
        from: { type: 'string' },
        index: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        emit: { type: 'string' },
        jobs: { type: 'string' },
        report: { type: 'boolean', default: false },
        queue: { type: 'string' },
        status: { type: 'boolean', default: false },
        'retry-failed': { type: 'boolean', default: false },
        concurrency: { type: 'string' },
        backbone: { type: 'string' },
        reference: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (command === '--version' || command === '-v' || command === 'version') {
      io.out(`kd ${cliVersion()} (@kd/core ${coreVersion()}, Node ${process.version})\n`);
      return 0;
    }
    if (values.help || command === undefined || command === 'help' || command === '--help' || command === '-h') {
      io.out(USAGE);
      return command === undefined ? 2 : 0;
    }
    if (values['allow-local-plugins']) {
      if (!LOCAL_PLUGIN_COMMANDS.has(command))
        throw new UsageError(`--allow-local-plugins applies to run, validate and plan, not to ${command}`);
      options = { ...options, allowLocalPlugins: true };
    }
    if (values.set?.length) {
      if (!LOCAL_PLUGIN_COMMANDS.has(command) || values.resume)
        throw new UsageError(
          `--set applies to run <config>, validate and plan${values.resume ? ' (a resumed run keeps the config it recorded)' : `, not to ${command}`}`,
        );
      options = { ...options, overrides: values.set };
    }
    switch (command) {
      case 'run':
        if (values.from !== undefined || values.index !== undefined) {
          if (values.from === undefined || values.index === undefined || positionals.length || values.resume)
            throw new UsageError('kd run --from <jobs.jsonl> --index <i> takes both, and no config or --resume');
          return await runFromCommand({ from: values.from, index: values.index, json: values.json }, io, options);
        }
        if (values.resume) {
          if (positionals.length) throw new UsageError('kd run --resume takes the run directory, not a config');
          return await runCommand({ resume: values.resume, json: values.json }, io, options);
        }
        config = one(positionals, 'config file');
        return await runCommand({ config, json: values.json }, io, options);
      case 'validate':
        config = one(positionals, 'config file');
        return await validateCommand(config, io, options, values['schema-only']);
      case 'plan':
        config = one(positionals, 'config file');
        return await planCommand({ config, json: values.json }, io, options);
      case 'sweep':
        config = one(positionals, 'study file');
        if (values.queue !== undefined) {
          if (values.jobs !== undefined || values['dry-run'] || values.emit !== undefined || values.report)
            throw new UsageError('--queue submits the study to workers: --jobs, --dry-run, --emit and --report run without it');
          return await sweepQueueCommand(
            { study: config, queue: values.queue, status: values.status, retryFailed: values['retry-failed'], json: values.json },
            io,
            options,
          );
        }
        if (values.status || values['retry-failed']) throw new UsageError('--status and --retry-failed need --queue redis://…');
        return await sweepCommand(
          {
            study: config,
            dryRun: values['dry-run'],
            jobs: values.jobs,
            emit: values.emit,
            report: values.report,
            out: values.out,
            json: values.json,
          },
          io,
          options,
        );
      case 'worker':
        if (values.queue === undefined || positionals.length)
          throw new UsageError('usage: kd worker --queue redis://host:6379 [--concurrency N]');
        return await workerCommand({ queue: values.queue, concurrency: values.concurrency }, io, options);
      case 'schema':
        return await schemaCommand(values.out ? { out: values.out } : {}, io, options);
      case 'plugins':
        return await pluginsCommand({ json: values.json }, io, options);
      case 'describe': {
        if (positionals.length !== 2)
          throw new UsageError('usage: kd describe backbone <name> --num-classes <n> [--input h,w,c] [--options json] [--json]');
        return await describeCommand(
          {
            what: positionals[0]!,
            name: positionals[1]!,
            numClasses: values['num-classes'],
            input: values.input,
            options: values.options,
            json: values.json,
          },
          io,
          options,
        );
      }
      case 'export':
        if (positionals.length !== 2) throw new UsageError(`kd export takes <run-dir> <out-dir>, got ${positionals.length} arguments`);
        return await exportCommand({ runDir: positionals[0]!, outDir: positionals[1]!, json: values.json }, io, options);
      case 'import':
        if (positionals.length !== 3)
          throw new UsageError(
            'usage: kd import pytorch <checkpoint.pth> <out-dir> --backbone <name> [--options json] --num-classes <n> [--input h,w,c] [--reference ref.json] [--json]',
          );
        return await importCommand(
          {
            format: positionals[0]!,
            source: positionals[1]!,
            outDir: positionals[2]!,
            backbone: values.backbone,
            options: values.options,
            numClasses: values['num-classes'],
            input: values.input,
            reference: values.reference,
            json: values.json,
          },
          io,
          options,
        );
      case 'report':
        if (positionals.length === 0) throw new UsageError('kd report takes one or more run directories (or a bench .json)');
        return await reportCommand({ targets: positionals, ...(values.out ? { out: values.out } : {}), json: values.json }, io);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    const code = (e as { code?: unknown } | null | undefined)?.code;
    if (e instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
      io.err(`kd: ${(e as Error).message}\n\n${USAGE}`);
      return 2;
    }
    const failure = describeError(e, undefined, config === undefined ? undefined : resolve(io.cwd, config));
    io.err(failure.text);
    return failure.code;
  }
}
