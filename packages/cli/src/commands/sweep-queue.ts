import { resolve } from 'node:path';
import { KdInputError } from '@kd/core';
import { planStudy, readStudy, runnableTasks, type PlannedCell } from '@kd/sweep';
import type { CellJobStatus } from '@kd/sweep-bullmq';
import type { CliIo } from '../io.js';
import { createRuntime, type CliOptions } from '../runtime.js';

type SweepBullmq = typeof import('@kd/sweep-bullmq');

export interface SweepQueueArgs {
  readonly study: string;
  readonly queue: string;
  readonly status: boolean;
  readonly retryFailed: boolean;
  readonly json: boolean;
}

/**
 * The distributed executor is optional (it brings bullmq and a Redis client): loaded only when `--queue` is given, and
 * its absence is an installation the user can fix, named with the command that fixes it.
 */
export async function loadSweepBullmq(io: CliIo): Promise<SweepBullmq | null> {
  try {
    return await import('@kd/sweep-bullmq');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if ((err.code === 'ERR_MODULE_NOT_FOUND' || err.code === 'MODULE_NOT_FOUND') && err.message.includes('@kd/sweep-bullmq')) {
      io.err('kd: --queue needs the distributed executor, which is not installed: npm install @kd/sweep-bullmq\n');
      return null;
    }
    throw e;
  }
}

/**
 * A submitter gives up on an unreachable Redis instead of retrying for ever (ioredis' default): the user is waiting
 * at a terminal. Workers, in contrast, reconnect for as long as it takes.
 */
export async function reachQueue(ready: Promise<unknown>, url: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`cannot reach Redis at ${url} within 10 s`)), 10_000);
  });
  try {
    await Promise.race([ready, timeout]);
  } catch (e) {
    throw new Error(`cannot reach Redis at ${url}: ${(e as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

function describe(s: CellJobStatus, cell: PlannedCell): { state: string; detail: string } {
  if (s.state === 'missing')
    return cell.state.kind === 'done'
      ? { state: 'finished', detail: 'on disk, not through the queue' }
      : { state: 'not queued', detail: '' };
  if (s.state === 'failed') return { state: 'failed', detail: s.reason ?? '' };
  if (s.state === 'completed')
    return { state: 'completed', detail: s.result ? `${s.result.action} on ${s.result.worker} in ${s.result.seconds.toFixed(1)} s` : '' };
  if (s.state === 'active') {
    const p = s.progress;
    return { state: 'active', detail: p ? `${p.action}${p.epoch ? ` epoch ${p.epoch}/${p.epochs}` : ''} on ${p.worker}` : '' };
  }
  return { state: 'queued', detail: s.attempts ? `${s.attempts} tries so far` : '' };
}

/**
 * `kd sweep <study> --queue redis://…`: the study checked exactly as for a local sweep (one bad cell: exit 2, nothing
 * enqueued), then every unfinished cell submitted as a BullMQ job; `--status` shows where each cell is, `--retry-failed`
 * queues the failed ones again. Workers (`kd worker`) run them.
 */
export async function sweepQueueCommand(args: SweepQueueArgs, io: CliIo, options: CliOptions): Promise<number> {
  if (args.status && args.retryFailed) throw new KdInputError('kd sweep: --status and --retry-failed exclude each other');
  const mod = await loadSweepBullmq(io);
  if (!mod) return 2;
  const connection = mod.redisConnection(args.queue);
  const study = readStudy(resolve(io.cwd, args.study));
  const submitting = !args.status && !args.retryFailed;
  const plan = await planStudy(study, createRuntime(io, options), { write: submitting, full: submitting });
  const say = (t: string) => io.err(`kd: sweep: ${t}\n`);
  const executor = new mod.QueueExecutor({
    connection: { ...connection, retryStrategy: (n: number) => (n > 3 ? null : 250 * n), connectTimeout: 5000 },
  });
  try {
    await reachQueue(executor.queue.waitUntilReady(), args.queue);
    if (args.retryFailed) {
      const moved = new Set(await executor.retryFailed(plan.cells.map((c) => c.hash)));
      for (const c of plan.cells) if (moved.has(c.hash)) say(`${c.name}: failed job queued again`);
      say(`${moved.size} failed cells queued again on ${args.queue}`);
      return 0;
    }
    if (args.status) {
      const statuses = await executor.status(plan.cells.map((c) => c.hash));
      const rows = plan.cells.map((c, i) => ({ name: c.name, hash: c.hash, ...describe(statuses[i]!, c) }));
      if (args.json) io.out(`${JSON.stringify(rows, null, 2)}\n`);
      else
        for (const r of rows)
          io.out(`${r.name}  ${r.hash.slice(0, 12)}  ${r.state.padEnd(10)}  ${r.detail.replaceAll('\n', ' ')}\n`.replace(/ +\n$/, '\n'));
      const count = (s: string) => rows.filter((r) => r.state === s).length;
      say(
        `${count('queued')} queued, ${count('active')} active, ${count('completed')} completed, ${count('failed')} failed` +
          `${count('finished') ? `, ${count('finished')} finished outside the queue` : ''}${count('not queued') ? `, ${count('not queued')} not queued` : ''}`,
      );
      return 0;
    }
    say(
      `${plan.cells.length} cells checked in ${plan.checked.seconds.toFixed(1)} s (all by the schema; per group of seeds, ${plan.checked.groups} by the rules past it, ${plan.checked.full} through every check kd run makes)`,
    );
    const done = plan.cells.filter((c) => c.state.kind === 'done');
    const final = plan.cells.filter((c) => c.state.kind === 'failed');
    for (const c of final)
      say(
        `${c.name}: failed before and would fail again (${c.state.kind === 'failed' ? c.state.summary.failure?.message : ''}); not queued`,
      );
    const tasks = runnableTasks(plan);
    const enqueued = await executor.enqueue(tasks);
    for (const e of enqueued)
      say(
        e.added
          ? `${e.task.name}: queued (job ${e.task.hash.slice(0, 12)})`
          : `${e.task.name}: already ${e.state} in the queue${e.state === 'failed' ? ' (--retry-failed queues it again)' : ''}`,
      );
    const added = enqueued.filter((e) => e.added).length;
    say(
      `${added} queued on ${args.queue}, ${enqueued.length - added} already in the queue, ${done.length} already finished, ${final.length} failed for good; ` +
        `run them with: kd worker --queue ${args.queue}; follow them with: kd sweep ${args.study} --queue ${args.queue} --status`,
    );
    if (args.json)
      io.out(
        `${JSON.stringify(
          enqueued.map((e) => ({ name: e.task.name, hash: e.task.hash, added: e.added, state: e.state })),
          null,
          2,
        )}\n`,
      );
    return 0;
  } finally {
    await executor.close().catch(() => {});
  }
}
