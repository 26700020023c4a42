/** Invalid user input (config, files, options): the CLI exits with code 2. */
export class KdInputError extends Error {
  readonly exitCode = 2;
  constructor(message: string, readonly details: readonly string[] = []) {
    super(details.length ? `${message}\n${details.map((d) => `  ${d}`).join('\n')}` : message);
    this.name = 'KdInputError';
  }
}

/** A config names a plugin that is not installed. */
export class KdMissingPluginError extends KdInputError {
  constructor(readonly kind: string, readonly pluginName: string, readonly packageName: string, pointer: string, known: readonly string[]) {
    super(
      `${pointer}: no ${kind} plugin named "${pluginName}" is installed. ` +
        `Install it with: npm install ${packageName}` +
        (known.length ? ` (installed ${kind} plugins: ${known.join(', ')})` : ` (no ${kind} plugin is installed)`),
    );
    this.name = 'KdMissingPluginError';
  }
}

export function isInputError(e: unknown): e is KdInputError {
  return e instanceof Error && (e as { exitCode?: unknown }).exitCode === 2;
}
