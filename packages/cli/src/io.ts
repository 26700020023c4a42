/** Where a command writes; tests pass buffers, the binary passes the process streams. */
export interface CliIo {
  readonly cwd: string;
  out(text: string): void;
  err(text: string): void;
  /** Whether stderr is a terminal (progress bar redraws in place). */
  readonly interactive: boolean;
  /** The terminal's width where progress is drawn (stderr), when it is a terminal: a redrawn line must not wrap. */
  readonly columns?: number | undefined;
}

export const processIo: CliIo = {
  cwd: process.cwd(),
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  interactive: Boolean(process.stderr.isTTY),
  get columns() {
    return process.stderr.isTTY ? process.stderr.columns : undefined;
  },
};
