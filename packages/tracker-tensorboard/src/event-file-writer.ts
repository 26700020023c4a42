import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileVersionEvent, scalarEvent, tfRecord, type Scalar } from './tfevents.js';

/**
 * One TensorBoard event file, appended record by record. A new writer starts a new file (a resumed run adds one
 * beside the first); TensorBoard reads every event file of a directory as one run, and on steps that go back (the
 * replayed part of a resumed epoch) discards the older file's later points.
 */
export class EventFileWriter {
  readonly path: string;
  private readonly fd: number;

  constructor(dir: string, wallTime: number, suffix = `${hostname()}.${process.pid}`) {
    mkdirSync(dir, { recursive: true });
    // TensorBoard only picks up files whose names contain "tfevents".
    this.path = join(dir, `events.out.tfevents.${Math.floor(wallTime)}.${suffix}`);
    this.fd = openSync(this.path, 'a');
    this.write(fileVersionEvent(wallTime));
  }

  scalars(wallTime: number, step: number, scalars: readonly Scalar[]): void {
    if (scalars.length) this.write(scalarEvent(wallTime, step, scalars));
  }

  close(): void {
    closeSync(this.fd);
  }

  private write(event: Uint8Array): void {
    const record = tfRecord(event);
    let written = 0;
    while (written < record.length) written += writeSync(this.fd, record, written, record.length - written);
  }
}
