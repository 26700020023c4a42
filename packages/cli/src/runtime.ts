import { type RunEvents } from '@kd/core';
import { KdRuntime, type ModuleImporter } from '@kd/core/host';
import type { CliIo } from './io.js';

export interface CliOptions {
  /** Overrides how plugin modules are imported (tests resolve them from source). */
  readonly importer?: ModuleImporter;
  /** Subscribes further listeners to a run's events (embedders; tests simulate a crash partway). */
  readonly attach?: (events: RunEvents) => void;
  /**
   * Import the module paths a config lists in `plugins` (`--allow-local-plugins`). Off by default: a plugin is code,
   * and validating a config from someone else must not run it.
   */
  readonly allowLocalPlugins?: boolean;
  /** `--set path=value` overrides of the config a command reads (run, validate, plan). */
  readonly overrides?: readonly string[];
}

export function createRuntime(io: CliIo, options: CliOptions): KdRuntime {
  return new KdRuntime({
    root: io.cwd,
    ...(options.importer ? { importer: options.importer } : {}),
    allowLocalPlugins: options.allowLocalPlugins === true,
    logger: { info: (m) => io.err(`kd: ${m}\n`), warn: (m) => io.err(`kd: warning: ${m}\n`) },
  });
}
