import type { Command } from 'commander';
import type { CliOptions } from './runtime.js';

export interface ConfigFlags {
  readonly allowLocalPlugins: boolean;
  readonly set: readonly string[];
}

const collect = (value: string, previous: readonly string[]) => [...previous, value];

/** The flags of the commands that read a config (run, validate, plan). */
export function addConfigFlags(command: Command): Command {
  return command
    .option(
      '--allow-local-plugins',
      'import the module paths the config lists in "plugins" (a plugin is code: allow it only for configs you trust; installed packages are always allowed)',
      false,
    )
    .option(
      '--set <path=value>',
      'override a config value, e.g. --set training.optimizer.lr=0.1 (repeatable; the value is JSON, else a string; validated like the file, recorded in provenance.json)',
      collect,
      [],
    );
}

export function withConfigFlags(options: CliOptions, flags: ConfigFlags): CliOptions {
  return {
    ...options,
    ...(flags.allowLocalPlugins ? { allowLocalPlugins: true } : {}),
    ...(flags.set.length ? { overrides: flags.set } : {}),
  };
}
