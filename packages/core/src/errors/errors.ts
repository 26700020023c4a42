/** Invalid user input (config, files, options): the CLI exits with code 2. */
export class KdInputError extends Error {
  readonly exitCode = 2;
  constructor(
    message: string,
    readonly details: readonly string[] = [],
  ) {
    super(details.length ? `${message}\n${details.map((d) => `  ${d}`).join('\n')}` : message);
    this.name = 'KdInputError';
  }
}

/** A config names a plugin that is not installed. */
export class KdMissingPluginError extends KdInputError {
  constructor(
    readonly kind: string,
    readonly pluginName: string,
    readonly packageName: string,
    pointer: string,
    known: readonly string[],
  ) {
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

/**
 * A run that stopped for a reason its message states in full (divergence, non-finite weights, an interruption): the
 * CLI prints the message without a stack and exits with `exitCode` (1, or 130/143 after SIGINT/SIGTERM).
 */
export class KdRunError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = 1,
  ) {
    super(message);
    this.name = 'KdRunError';
  }
}

export function isRunError(e: unknown): e is KdRunError {
  return e instanceof Error && e.name === 'KdRunError' && typeof (e as { exitCode?: unknown }).exitCode === 'number';
}
