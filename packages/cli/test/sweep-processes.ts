import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { constants as osConstants } from 'node:os';
import { repoRoot } from '@kd/testing';
import { KD_FROM_SOURCE, type Exited } from './spawn-kd.js';

/**
 * The processes of the queue specs and the queue benchmark, started in one place: real `redis-server`s on free
 * loopback ports and `kd worker`s as separate processes. Every one is recorded by the `QueueProcesses` that started
 * it and killed by its `close()`, which `queueProcesses()` runs in `afterAll` — whether the tests passed or not — so
 * no server or worker (nor a worker's cell) outlives its spec file.
 */

export const haveRedis = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** The processes whose parent is `pid`, with their state letter (`T`: stopped), from /proc. */
export function childrenOf(pid: number): { pid: number; state: string }[] {
  const out: { pid: number; state: string }[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${e}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid …: comm may hold spaces and parentheses, so read past its last ')'.
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(ppid) === pid) out.push({ pid: Number(e), state: state! });
  }
  return out;
}

/**
 * Waits until `pid` has `n` children, all stopped: kd cells run with `KD_CRASH_AT=step:<k>:SIGSTOP` stop themselves
 * mid-run, so a signal sent to their parent then lands mid-cell whatever the machine's load. Their pids, to SIGCONT.
 */
export async function stoppedChildren(pid: number, n: number, ms = 90_000): Promise<number[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const cells = childrenOf(pid);
    if (cells.length === n && cells.every((c) => c.state === 'T')) return cells.map((c) => c.pid);
    if (Date.now() > deadline) throw new Error(`${pid} has not ${n} stopped children after ${ms} ms: ${JSON.stringify(cells)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Waits until `signal` is pending for the stopped process `pid` (/proc's ShdPnd mask): whoever was to signal it has
 * done so, and SIGCONT will deliver it.
 */
export async function signalPending(pid: number, signal: NodeJS.Signals, ms = 30_000): Promise<void> {
  const bit = 1n << BigInt(osConstants.signals[signal] - 1);
  const deadline = Date.now() + ms;
  for (;;) {
    const m = /^ShdPnd:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (m && (BigInt(`0x${m[1]}`) & bit) !== 0n) return;
    if (Date.now() > deadline) throw new Error(`${signal} not pending for ${pid} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** SIGTERM: redis writes its append-only file and exits, as on a machine's orderly shutdown. */
  stop(): Promise<void>;
}

export interface KdWorker {
  readonly child: ChildProcess;
  readonly exited: Promise<Exited>;
  stderr(): string;
  /** Resolves with the first match of `pattern` in the worker's stderr; rejects if the worker exits first or `ms` pass. */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpExecArray>;
  /** SIGKILL to the worker's process group: the worker and its running cells, as when a machine is lost. */
  killGroup(): void;
}

export interface WorkerOptions {
  /** Added to the worker's environment (its cells inherit it). */
  readonly env?: Readonly<Record<string, string>>;
  /** Flags after `kd worker --queue <url>`. */
  readonly args?: readonly string[];
}

const alive = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;
const exitOf = (c: ChildProcess) => new Promise<void>((resolve) => (alive(c) ? c.once('exit', () => resolve()) : resolve()));

export class QueueProcesses {
  private readonly servers = new Set<RedisServer>();
  private readonly workers = new Set<KdWorker>();
  private readonly onExit = () => {
    // The test process is going away without afterAll (an uncaught error): take the children along, synchronously.
    for (const w of this.workers) if (alive(w.child)) w.killGroup();
    for (const r of this.servers) if (alive(r.child)) r.child.kill('SIGKILL');
  };

  constructor() {
    process.once('exit', this.onExit);
  }

  /** Starts redis-server on 127.0.0.1 only (a free port unless given), with no RDB snapshots; resolves once it accepts connections. */
  async redis(extra: readonly string[] = ['--appendonly', 'no'], port?: number): Promise<RedisServer> {
    const p = port ?? (await freePort());
    const child = spawn('redis-server', ['--port', String(p), '--bind', '127.0.0.1', '--save', '', ...extra], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server: RedisServer = {
      url: `redis://127.0.0.1:${p}`,
      port: p,
      child,
      stop: async () => {
        if (alive(child)) child.kill('SIGTERM');
        await exitOf(child);
        this.servers.delete(server);
      },
    };
    this.servers.add(server);
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Ready to accept connections')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`redis-server exited (${code}):\n${out}`)));
    });
    return server;
  }

  /**
   * `kd worker --queue <url>` from source in its own process group (so `killGroup` takes its cells too), one thread
   * per cell. A dead worker's cell is taken over once its lock expires: 3 s here instead of a minute.
   */
  worker(url: string, options: WorkerOptions = {}): KdWorker {
    const child = spawn(process.execPath, [...KD_FROM_SOURCE, 'worker', '--queue', url, ...(options.args ?? [])], {
      cwd: repoRoot,
      env: { ...process.env, KD_WASM_THREADS: '1', KD_QUEUE_LOCK_MS: '3000', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stderr = '';
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => void (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => void (stderr += d.toString()));
    const exited = new Promise<Exited>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr, stdout })));
    const worker: KdWorker = {
      child,
      exited,
      stderr: () => stderr,
      waitFor: async (pattern, ms = 60_000) => {
        const deadline = Date.now() + ms;
        for (;;) {
          const m = pattern.exec(stderr);
          if (m) return m;
          if (!alive(child)) throw new Error(`kd worker exited before printing ${pattern}:\n${stderr}`);
          if (Date.now() > deadline) throw new Error(`kd worker did not print ${pattern} in ${ms} ms:\n${stderr}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      },
      killGroup: () => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // The group is gone already.
        }
      },
    };
    this.workers.add(worker);
    return worker;
  }

  /** Kills every worker still running (with its cells) and stops every server; waits until they are gone. */
  async close(): Promise<void> {
    for (const w of this.workers) if (alive(w.child)) w.killGroup();
    await Promise.all([...this.workers].map((w) => w.exited));
    this.workers.clear();
    await Promise.all(
      [...this.servers].map(async (r) => {
        const stopping = r.stop();
        // A server that does not stop on SIGTERM within 10 s (writing a large append-only file) is killed.
        const timer = setTimeout(() => r.child.kill('SIGKILL'), 10_000);
        await stopping;
        clearTimeout(timer);
      }),
    );
    process.off('exit', this.onExit);
  }
}

/** The queue processes of one spec file, killed in its `afterAll` whatever the tests did. */
export function queueProcesses(): QueueProcesses {
  const processes = new QueueProcesses();
  afterAll(() => processes.close(), 60_000);
  return processes;
}
