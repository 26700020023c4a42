/**
 * What a sweep says after each cell: how many of its cells are done and, from the pace so far, about how long the rest
 * will take. The pace is wall-clock time per finished cell with all jobs running, so it already counts the parallelism
 * and the machine's load; cells of different methods cost different amounts, so it is an estimate that settles as
 * cells finish, not a promise.
 */
export function sweepEta(elapsedSeconds: number, done: number, total: number): string {
  const left = total - done;
  if (left <= 0) return `${done} of ${total} done`;
  if (done === 0 || !(elapsedSeconds > 0)) return `${done} of ${total} done`;
  return `${done} of ${total} done, ${duration((elapsedSeconds / done) * left)} left at this pace`;
}

function duration(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  if (minutes < 1) return 'under a minute';
  if (minutes < 60) return `about ${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `about ${h} h${m ? ` ${m} min` : ''}`;
}
