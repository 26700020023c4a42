import { KdInputError } from '@kd/core';
import { Worker } from 'node:worker_threads';
import type { DecodeLimits, RgbImage } from './decode-image.js';
import { readError, type ImageReader } from './image-reader.js';

interface Pending {
  readonly resolve: (image: RgbImage) => void;
  readonly reject: (error: Error) => void;
  readonly path: string;
  readonly worker: Worker;
}

type Reply = { id: number; image: RgbImage } | { id: number; error: { kind: 'read' | 'decode'; message: string; code?: string } };

/** The worker script: outside src/ so the same file serves the sources (tests) and the build. */
export const DECODE_WORKER_URL = new URL('../worker/decode.worker.mjs', import.meta.url);

/**
 * Reads and decodes on `size` worker threads, each request going to the worker with the fewest in flight.
 * Workers are unref'd: a pool that is never closed does not keep the process alive.
 */
export class WorkerPoolReader implements ImageReader {
  private readonly workers: Worker[] = [];
  private readonly load: number[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;
  /** Set when a worker died: later reads fail at once instead of waiting on it forever. */
  private failure: Error | undefined;

  constructor(
    readonly size: number,
    private readonly limits: DecodeLimits,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`worker pool size must be a positive integer, got ${size}`);
    for (let w = 0; w < size; w++) {
      const worker = new Worker(DECODE_WORKER_URL);
      worker.unref();
      worker.on('message', (reply: Reply) => this.settle(w, reply));
      worker.on('error', (e) => this.fail(worker, e));
      worker.on('exit', (code) => {
        if (!this.closed) this.fail(worker, new Error(`image decoding worker exited with code ${code}`));
      });
      this.workers.push(worker);
      this.load.push(0);
    }
  }

  read(path: string): Promise<RgbImage> {
    if (this.closed) return Promise.reject(new Error('the image reader is closed'));
    if (this.failure)
      return Promise.reject(new Error(`${path}: not read, an image decoding worker failed earlier (${this.failure.message})`));
    let w = 0;
    for (let i = 1; i < this.load.length; i++) if (this.load[i]! < this.load[w]!) w = i;
    const worker = this.workers[w]!;
    const id = this.nextId++;
    this.load[w]!++;
    return new Promise<RgbImage>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, path, worker });
      worker.postMessage({ id, path, maxMegapixels: this.limits.maxMegapixels });
    });
  }

  private settle(w: number, reply: Reply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    this.load[w]!--;
    if ('image' in reply) p.resolve(reply.image);
    else if (reply.error.kind === 'read')
      p.reject(readError(p.path, Object.assign(new Error(reply.error.message), { code: reply.error.code })));
    else p.reject(new KdInputError(reply.error.message));
  }

  private fail(worker: Worker, e: Error): void {
    this.failure ??= e;
    for (const [id, p] of this.pending) {
      if (p.worker !== worker) continue;
      this.pending.delete(id);
      p.reject(new Error(`${p.path}: the image decoding worker failed (${e.message})`));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.values()) p.reject(new Error(`${p.path}: the image reader was closed`));
    this.pending.clear();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
