import { resolve } from 'node:path';
import { CommanderError } from 'commander';
import { isInputError } from '@kd/core';
import { isRunError } from '@kd/core/host';
import { processIo, type CliIo } from './io.js';
import type { CliOptions } from './runtime.js';
import { UsageError, type CommandContext } from './context.js';
import { createProgram, flagOwners, rootHelp } from './program.js';

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

/** `a, b and c` */
function inWords(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)!}`;
}

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo, options: CliOptions = {}): Promise<number> {
  const ctx: CommandContext = { io, options, exitCode: 0 };
  const program = createProgram(ctx);
  // kd has no flags of its own before the command, so the first word that is not a flag names it.
  const command = argv.find((a) => !a.startsWith('-'));
  const known = command !== undefined && program.commands.some((c) => c.name() === command);
  const where = known ? `kd ${command}` : 'kd';
  try {
    if (argv.length === 0) {
      io.err(rootHelp(program));
      return 2;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help')
        return e.exitCode === 0 ? 0 : 2;
      const message = e.message.replace(/^error: /, '');
      if (e.code === 'commander.unknownCommand') {
        io.err(`kd: ${message}\n\n${rootHelp(program)}`);
        return 2;
      }
      let hint = '';
      if (e.code === 'commander.unknownOption') {
        const flag = /'(--[^'=]+)/.exec(message)?.[1];
        const owners = flag ? flagOwners(program).get(flag) : undefined;
        if (flag && owners && known) hint = `: ${flag} applies to ${inWords(owners)}, not to ${command}`;
      }
      io.err(`${where}: ${message}${hint}\n(${where} --help lists ${known ? 'its arguments and flags' : 'the commands'})\n`);
      return 2;
    }
    if (e instanceof UsageError) {
      io.err(`${where}: ${e.message}\n(${where} --help lists ${known ? 'its arguments and flags' : 'the commands'})\n`);
      return 2;
    }
    const failure = describeError(e, undefined, ctx.config === undefined ? undefined : resolve(io.cwd, ctx.config));
    io.err(failure.text);
    return failure.code;
  }
}
