/** How this process was started, so each cell runs the same kd (the same build, or the sources under a loader). */
export function selfCommand(): [string, ...string[]] {
  return [process.execPath, ...process.execArgv, process.argv[1]!];
}
