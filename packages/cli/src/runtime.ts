import { KdRuntime, type ModuleImporter, type RunEvents } from '@kd/core';
import type { CliIo } from './io.js';

export interface CliOptions {
  /** Overrides how plugin modules are imported (tests resolve them from source). */
  readonly importer?: ModuleImporter;
  /** Subscribes further listeners to a run's events (embedders; tests simulate a crash partway). */
  readonly attach?: (events: RunEvents) => void;
}

export function createRuntime(io: CliIo, options: CliOptions): KdRuntime {
  return new KdRuntime({
    root: io.cwd,
    ...(options.importer ? { importer: options.importer } : {}),
    logger: { info: (m) => io.err(`kd: ${m}\n`), warn: (m) => io.err(`kd: warning: ${m}\n`) },
  });
}
