import { KdInputError } from '@kd/core';
import { coreVersion, SIGNAL_EXIT_CODES } from '@kd/core/host';
import { cellHash } from '@kd/sweep';
import type { CliIo } from '../io.js';
import { createRuntime, type CliOptions } from '../runtime.js';
import { loadSweepBullmq } from './sweep-queue.js';
import { selfCommand } from './self-command.js';
import type { DefineCommand } from '../context.js';

export interface WorkerArgs {
  readonly queue: string;
  readonly concurrency?: string | undefined;
}

/**
 * `kd worker --queue redis://… [--concurrency N]`: runs the cells of any study submitted to the queue, each as a kd
 * child process, until SIGINT/SIGTERM. SIGTERM: the running cells checkpoint at their next step and go back to the
 * queue (another worker resumes them), then the worker closes (exit 143); Ctrl-C has reached the cells already, the
 * worker waits for them to stop likewise (exit 130).
 */
export async function workerCommand(args: WorkerArgs, io: CliIo, options: CliOptions): Promise<number> {
  const concurrency = args.concurrency === undefined ? 1 : Number(args.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new KdInputError(`--concurrency: got ${JSON.stringify(args.concurrency)}; expected an integer >= 1`);
  // Only for tests and for clusters that want a dead worker's cells taken over sooner than the default minute.
  const lockEnv = process.env['KD_QUEUE_LOCK_MS'];
  const lockDuration = lockEnv === undefined ? undefined : Number(lockEnv);
  if (lockDuration !== undefined && !(Number.isInteger(lockDuration) && lockDuration >= 1000))
    throw new KdInputError(`KD_QUEUE_LOCK_MS: got ${JSON.stringify(lockEnv)}; expected an integer >= 1000 (milliseconds)`);
  const mod = await loadSweepBullmq(io);
  if (!mod) return 2;
  const connection = mod.redisConnection(args.queue);
  const runtime = createRuntime(io, options);
  const say = (t: string) => io.err(`kd: worker: ${t}\n`);
  const running = mod.runWorker({
    connection,
    concurrency,
    kd: selfCommand(),
    allowLocalPlugins: options.allowLocalPlugins === true,
    // The job's hash was computed by the submitter; recomputing it here catches a cell config edited since, or plugins
    // that resolve it differently on this machine.
    verify: async (job) => cellHash((await runtime.checkConfigFile(job.config)).config, coreVersion()),
    ...(lockDuration !== undefined ? { lockDuration, stalledInterval: Math.ceil(lockDuration / 2) } : {}),
    log: say,
  });
  let stopped: 'SIGINT' | 'SIGTERM' | undefined;
  await new Promise<void>((resolve) => {
    const on = (sig: 'SIGINT' | 'SIGTERM') => () => {
      if (stopped) return;
      stopped = sig;
      say(
        sig === 'SIGTERM'
          ? 'SIGTERM: taking no further cells; the running ones checkpoint and go back to the queue'
          : 'SIGINT: taking no further cells; waiting for the running ones to checkpoint',
      );
      resolve();
    };
    process.once('SIGTERM', on('SIGTERM'));
    process.once('SIGINT', on('SIGINT'));
    void running.worker.waitUntilReady().then(
      () => say(`waiting for cells on ${args.queue} (queue ${mod.DEFAULT_QUEUE}, concurrency ${concurrency}, @kd/core ${coreVersion()})`),
      () => {},
    );
  });
  await running.stop(stopped === 'SIGTERM' ? 'term' : 'drain');
  say('closed');
  return SIGNAL_EXIT_CODES[stopped!];
}

export const defineWorker: DefineCommand = (program, ctx) => {
  program
    .command('worker')
    .summary('run the cells queued by kd sweep --queue, until SIGINT/SIGTERM')
    .description(
      'Run queued study cells as kd child processes until SIGINT/SIGTERM: the running cells checkpoint and go back to the ' +
        'queue, and a retried cell resumes its checkpoint (needs @kd/sweep-bullmq).',
    )
    .requiredOption('--queue <redis-url>', 'the Redis holding the queue (redis://host:6379)')
    .option('--concurrency <n>', 'cells run at once (default 1)')
    .option(
      '--allow-local-plugins',
      'import the module paths a queued cell config lists in "plugins", when checking it and in its kd run (a plugin is code: allow it only on a queue only trusted users submit to; installed packages are always allowed)',
      false,
    )
    .action(async (flags: { queue: string; concurrency?: string; allowLocalPlugins: boolean }) => {
      const options = flags.allowLocalPlugins ? { ...ctx.options, allowLocalPlugins: true } : ctx.options;
      ctx.exitCode = await workerCommand({ queue: flags.queue, concurrency: flags.concurrency }, ctx.io, options);
    });
};
