import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Writes `config` as `dir/name` and returns the file, for commands that take a config path. */
export function writeConfig(dir: string, name: string, config: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}
