import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { coreVersion } from '@kd/core/host';
import type { CommandContext, DefineCommand } from './context.js';
import { defineRun } from './commands/run.js';
import { defineValidate } from './commands/validate.js';
import { definePlan } from './commands/plan.js';
import { defineSweep } from './commands/sweep.js';
import { defineWorker } from './commands/worker.js';
import { defineSchema } from './commands/schema.js';
import { definePlugins } from './commands/plugins.js';
import { defineDescribe } from './commands/describe.js';
import { defineExport } from './commands/export.js';
import { defineReport } from './commands/report.js';
import { defineImport } from './commands/import.js';
import { defineDoctor } from './commands/doctor.js';

const COMMANDS: readonly DefineCommand[] = [
  defineRun,
  defineValidate,
  definePlan,
  defineSweep,
  defineWorker,
  defineSchema,
  definePlugins,
  defineDescribe,
  defineExport,
  defineReport,
  defineImport,
  defineDoctor,
];

export function cliVersion(): string {
  try {
    return String((JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version);
  } catch {
    return 'unknown';
  }
}

export function versionLine(): string {
  return `kd ${cliVersion()} (@kd/core ${coreVersion()}, Node ${process.version})`;
}

const NOTES = `
run, validate, plan, sweep and worker take --allow-local-plugins (import the module paths a config lists in
"plugins"; sweep and worker pass it on to each cell's kd run). run, validate and plan take --set <path>=<value>
(repeatable), e.g. --set training.optimizer.lr=0.1 --set distiller.temperature=2.
kd <command> --help lists a command's arguments and every flag.

exit codes: 0 ok, 2 invalid input (a bad flag, argument or config), 1 failure, 130/143 interrupted (Ctrl-C / SIGTERM)
environment: KD_BACKEND (auto | tensorflow | wasm | cpu) overrides a config's backend; KD_WASM_THREADS sets wasm's
threads; KD_DEBUG=1 prints the stack trace of a failure
`;

/**
 * The kd command line. Parse errors (unknown flags, extra or missing arguments, a value outside a list) are thrown
 * as CommanderErrors and reported by `main`, which owns the exit codes; nothing here exits the process, so tests
 * and embedders call `main` in-process.
 */
export function createProgram(ctx: CommandContext): Command {
  const program = new Command('kd')
    .description('kd — knowledge distillation for TensorFlow.js')
    .usage('<command> [arguments] [flags]')
    .exitOverride()
    .configureOutput({
      writeOut: (t) => ctx.io.out(t),
      writeErr: (t) => ctx.io.err(t),
      // main words every error itself, naming the command.
      outputError: () => {},
    })
    .version(versionLine(), '-v, --version', "print kd's, @kd/core's and Node's versions")
    .helpOption('-h, --help', 'show this help')
    .addHelpText('after', NOTES)
    .configureHelp({
      // A command's line in the list: its name and arguments; its flags are in its own --help.
      subcommandTerm: (c) =>
        [c.name(), ...c.registeredArguments.map((a) => (a.required ? `<${a.name()}${a.variadic ? '...' : ''}>` : `[${a.name()}]`))].join(
          ' ',
        ),
      // Defaults are stated in the descriptions, where they say what they mean ("default 1", not "(default: [])").
      optionDescription: (o) => `${o.description}${o.argChoices ? ` (one of: ${o.argChoices.join(', ')})` : ''}`,
    });
  program
    .command('version', { hidden: true })
    .description("print kd's, @kd/core's and Node's versions")
    .action(() => {
      ctx.io.out(`${versionLine()}\n`);
      ctx.exitCode = 0;
    });
  for (const define of COMMANDS) define(program, ctx);
  return program;
}

/** `kd --help`'s text, for the errors that print it (the notes are printed by an event of --help alone). */
export function rootHelp(program: Command): string {
  return `${program.helpInformation()}${NOTES}`;
}

/** The long flags of each command, to say where a flag given to the wrong command belongs. */
export function flagOwners(program: Command): Map<string, string[]> {
  const owners = new Map<string, string[]>();
  for (const c of program.commands)
    for (const o of c.options) if (o.long && o.long !== '--help') owners.set(o.long, [...(owners.get(o.long) ?? []), c.name()]);
  return owners;
}
