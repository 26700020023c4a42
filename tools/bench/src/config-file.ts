import type { PluginSpec } from '@kd/core';

/**
 * A config file as written, before validation: the bench reads the repository's configs and writes adapted copies of
 * them, so it sees the sections a user wrote (no defaults applied) and keeps every other key as it is.
 */
export interface ConfigFile {
  $schema?: string;
  plugins?: string[];
  dataset?: PluginSpec;
  teacher?: { backbone: PluginSpec; weights?: string; [option: string]: unknown };
  student: { backbone: PluginSpec; [option: string]: unknown };
  distiller?: PluginSpec;
  training: { epochs: number; [option: string]: unknown };
  output?: { dir: string; [option: string]: unknown };
  [section: string]: unknown;
}
