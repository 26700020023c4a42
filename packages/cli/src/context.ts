import type { Command } from 'commander';
import type { CliIo } from './io.js';
import type { CliOptions } from './runtime.js';

/** What a command's action reads and reports back to `main`. */
export interface CommandContext {
  readonly io: CliIo;
  readonly options: CliOptions;
  /** The exit code the action resolved to. */
  exitCode: number;
  /** The config (or study) file the command reads: input errors that point into a config name it. */
  config?: string;
}

/** A command line that parses but does not make sense (flags that exclude each other): exit 2, like a parse error. */
export class UsageError extends Error {}

/** Adds one `kd <command>` to the program. */
export type DefineCommand = (program: Command, ctx: CommandContext) => void;
