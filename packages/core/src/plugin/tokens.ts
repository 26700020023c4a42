import type { InjectionToken } from 'tsyringe';
import type { KdPlugin } from './plugin.js';

/** Multi-registered: every plugin known to a container. `Symbol.for` survives duplicate module copies. */
export const PLUGIN: InjectionToken<KdPlugin> = Symbol.for('kd.Plugin');
/** The validated pipeline config of the current run (per-run child container). */
export const RUN_CONFIG: InjectionToken<Readonly<Record<string, unknown>>> = Symbol.for('kd.RunConfig');
/** Logger sink for human-readable messages. */
export const LOGGER: InjectionToken<Logger> = Symbol.for('kd.Logger');

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}
