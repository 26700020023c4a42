import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Network, NetworkOutput } from '../contracts/network.js';
import { stableStringify } from '../io/stable-json.js';

/** What `teacher.cache` in a config asks for. */
export interface TeacherCacheOptions {
  /** Directory shared by the runs that reuse the teacher's outputs (resolved against the config file). */
  readonly dir: string;
  /** The cache never grows past this many bytes: beyond it, outputs are computed and not stored. */
  readonly maxBytes: number;
  /** Store the stage features (and the embedding) too, not only the logits. */
  readonly features: boolean;
}

/** Counts a run reports in summary.json, so a user can see whether the cache did anything. */
export interface TeacherCacheStats {
  readonly dir: string;
  hits: number;
  misses: number;
  written: number;
  /** Entries found damaged or not matching their key: recomputed and rewritten, never used. */
  rejected: number;
  /** Outputs not stored because the cache was at `maxBytes`. */
  full: number;
  /** Stores that failed (a full disk, a permission): the run goes on without storing. */
  writeErrors: number;
  /** Bytes of this teacher's entries at the end of the run. */
  bytes: number;
}

const MAGIC = Buffer.from('KDTC1\n', 'latin1');
/** An entry's JSON header is a few hundred bytes; anything larger is a damaged or foreign file. */
const MAX_HEADER = 64 * 1024;

interface EntryHeader {
  readonly key: string;
  readonly sha256: string;
  readonly tensors: readonly { readonly name: string; readonly shape: readonly number[] }[];
}

/**
 * The teacher's identity: its architecture and every stored weight, bit for bit. Outputs cached under one identity
 * can never be served to another teacher, however the runs that share the directory are configured.
 */
export function teacherIdentity(teacher: Network): string {
  const h = createHash('sha256');
  h.update(stableStringify(teacher.spec));
  for (const { name, variable } of teacher.stateVariables()) {
    h.update(`\n${name}:${variable.shape.join('x')}:${variable.dtype}\n`);
    const data = variable.dataSync() as Float32Array;
    h.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return h.digest('hex');
}

/**
 * Frozen-teacher outputs on disk, keyed by the teacher's identity and the exact bytes of the input batch.
 *
 * kd draws a run's batches (order and augmentation) from streams derived from the seed, stage and epoch, so every
 * method trained with one seed feeds the teacher the same batches; its inference-mode forward pass is a pure function
 * of those bytes. Keying on a hash of the input itself, rather than on (seed, epoch, step), means a cached output can
 * only ever be served for the identical input: a changed dataset option, batch size or augmentation simply misses.
 * A hit returns the stored float32 values, so training is bit-identical with and without the cache.
 *
 * Entries are checked before use (magic, header, payload SHA-256, key, the shapes a fresh forward would give); one
 * that fails is recomputed and rewritten. Writes go to a temporary file renamed into place, without fsync: a torn
 * entry is detected on read, and concurrent runs writing the same entry write the same bytes.
 */
export class TeacherCache {
  readonly stats: TeacherCacheStats;
  private readonly root: string;
  private readonly expectedNames: string[] | undefined;
  private stopWriting = false;

  private constructor(
    private readonly options: TeacherCacheOptions,
    identity: string,
    private readonly numClasses: number,
    featureNames: readonly string[] | undefined,
  ) {
    this.root = join(options.dir, identity.slice(0, 32));
    mkdirSync(this.root, { recursive: true });
    this.stats = { dir: this.root, hits: 0, misses: 0, written: 0, rejected: 0, full: 0, writeErrors: 0, bytes: this.scanBytes() };
    this.expectedNames = featureNames ? ['logits', 'embedding', ...featureNames.map((k) => `features/${k}`)] : undefined;
  }

  /** Opens (creating) the cache of `teacher` under `options.dir`. */
  static open(options: TeacherCacheOptions, teacher: Network): TeacherCache {
    // The feature names a fresh forward gives, so an entry missing one (or holding a stranger) is refused.
    const featureNames = options.features
      ? (tf.tidy(() =>
          Object.keys(teacher.apply(tf.zeros([1, ...teacher.inputShape]) as tf.Tensor4D, { training: false }).features),
        ) as string[])
      : undefined;
    return new TeacherCache(options, teacherIdentity(teacher), teacher.numClasses, featureNames);
  }

  /** The teacher's inference-mode output for `x`, from the cache when a valid entry exists. Call inside `tf.tidy`. */
  forward(teacher: Network, x: tf.Tensor4D): NetworkOutput {
    // The key must be the exact bytes the teacher would see, after every on-device transform, so they are read back.
    // On a GPU binding that is one more synchronisation per step, but the step already synchronises to read its loss
    // terms, and a hit replaces a whole teacher forward; keying on where the batch was built would miss transforms.
    const input = x.dataSync() as Float32Array;
    const key = createHash('sha256')
      .update(`${this.options.features ? 'all' : 'logits'}:${x.shape.join('x')}\n`)
      .update(new Uint8Array(input.buffer, input.byteOffset, input.byteLength))
      .digest('hex');
    const file = join(this.root, `${key.slice(0, 2)}`, `${key}.kdt`);
    const cached = this.read(file, key, x.shape[0]);
    if (cached) {
      this.stats.hits++;
      return cached;
    }
    this.stats.misses++;
    const out = teacher.apply(x, { training: false });
    this.write(file, key, out);
    return this.options.features ? out : logitsOnly(out.logits);
  }

  private read(file: string, key: string, batch: number): NetworkOutput | undefined {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch {
      return undefined;
    }
    const entry = decodeEntry(bytes, key);
    const valid = entry && this.matchesShapes(entry, batch);
    if (!valid) {
      this.stats.rejected++;
      rmSync(file, { force: true });
      this.stats.bytes = Math.max(0, this.stats.bytes - bytes.byteLength);
      return undefined;
    }
    const logits = entry.tensors.get('logits')!;
    if (!this.options.features) return logitsOnly(logits as tf.Tensor2D);
    const features: Record<string, tf.Tensor> = {};
    for (const [name, t] of entry.tensors) if (name.startsWith('features/')) features[name.slice('features/'.length)] = t;
    return { logits: logits as tf.Tensor2D, embedding: entry.tensors.get('embedding') as tf.Tensor2D, features };
  }

  private matchesShapes(entry: DecodedEntry, batch: number): boolean {
    const logits = entry.tensors.get('logits');
    if (!logits || logits.rank !== 2 || logits.shape[0] !== batch || logits.shape[1] !== this.numClasses) return false;
    const names = [...entry.tensors.keys()];
    if (!this.options.features) return names.length === 1;
    const expected = this.expectedNames!;
    return names.length === expected.length && expected.every((n) => entry.tensors.get(n)?.shape[0] === batch);
  }

  private write(file: string, key: string, out: NetworkOutput): void {
    if (this.stopWriting) return;
    const tensors: [string, tf.Tensor][] = [['logits', out.logits]];
    if (this.options.features) {
      tensors.push(['embedding', out.embedding]);
      for (const [k, v] of Object.entries(out.features)) tensors.push([`features/${k}`, v]);
    }
    const bytes = encodeEntry(key, tensors);
    if (this.stats.bytes + bytes.byteLength > this.options.maxBytes) {
      this.stats.full++;
      return;
    }
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      mkdirSync(join(file, '..'), { recursive: true });
      const fd = openSync(tmp, 'w');
      try {
        let off = 0;
        while (off < bytes.byteLength) off += writeSync(fd, bytes, off, bytes.byteLength - off);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, file);
      this.stats.written++;
      this.stats.bytes += bytes.byteLength;
    } catch {
      // A cache is an optimisation: a full disk or a read-only mount must not stop the run.
      rmSync(tmp, { force: true });
      this.stats.writeErrors++;
      this.stopWriting = true;
    }
  }

  private scanBytes(): number {
    let total = 0;
    for (const sub of readdirSync(this.root)) {
      const dir = join(this.root, sub);
      try {
        for (const f of readdirSync(dir)) if (f.endsWith('.kdt')) total += statSync(join(dir, f)).size;
      } catch {
        /* not a directory */
      }
    }
    return total;
  }
}

/**
 * A logits-only output. A distiller that reads the teacher's features or embedding from it gets a clear error
 * instead of an empty map, since a silently missing feature would change what the method computes.
 */
function logitsOnly(logits: tf.Tensor2D): NetworkOutput {
  const refuse = (what: string) => () => {
    throw new Error(`teacher.cache: the ${what} of the teacher are not cached; set teacher.cache.features to true for this distiller`);
  };
  return Object.defineProperties({ logits } as NetworkOutput, {
    features: { get: refuse('stage features'), enumerable: false },
    embedding: { get: refuse('embedding'), enumerable: false },
  });
}

function encodeEntry(key: string, tensors: readonly [string, tf.Tensor][]): Buffer {
  const payloads = tensors.map(([, t]) => {
    const d = t.dataSync() as Float32Array;
    return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
  });
  const payload = Buffer.concat(payloads);
  const header: EntryHeader = {
    key,
    sha256: createHash('sha256').update(payload).digest('hex'),
    tensors: tensors.map(([name, t]) => ({ name, shape: t.shape })),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.byteLength);
  return Buffer.concat([MAGIC, len, json, payload]);
}

interface DecodedEntry {
  readonly tensors: Map<string, tf.Tensor>;
}

/** Parses an entry; undefined when anything is off (never throws on a damaged file). */
function decodeEntry(bytes: Buffer, key: string): DecodedEntry | undefined {
  if (bytes.byteLength < MAGIC.byteLength + 4 || !bytes.subarray(0, MAGIC.byteLength).equals(MAGIC)) return undefined;
  const headerLength = bytes.readUInt32LE(MAGIC.byteLength);
  const start = MAGIC.byteLength + 4;
  if (headerLength > MAX_HEADER || start + headerLength > bytes.byteLength) return undefined;
  let header: EntryHeader;
  try {
    header = JSON.parse(bytes.subarray(start, start + headerLength).toString('utf8')) as EntryHeader;
  } catch {
    return undefined;
  }
  if (header.key !== key || !Array.isArray(header.tensors)) return undefined;
  const payload = bytes.subarray(start + headerLength);
  const sizes = header.tensors.map((t) =>
    Array.isArray(t.shape) && t.shape.every((d: number) => Number.isInteger(d) && d > 0)
      ? t.shape.reduce((a: number, d: number) => a * d, 1)
      : NaN,
  );
  const total = sizes.reduce((a, n) => a + n, 0);
  if (!Number.isFinite(total) || total * 4 !== payload.byteLength) return undefined;
  if (createHash('sha256').update(payload).digest('hex') !== header.sha256) return undefined;
  // Copy out of the file buffer: its offset need not be 4-byte aligned for a Float32Array view.
  const values = new Float32Array(new Uint8Array(payload).buffer);
  const tensors = new Map<string, tf.Tensor>();
  let off = 0;
  header.tensors.forEach((t, i) => {
    tensors.set(t.name, tf.tensor(values.subarray(off, off + sizes[i]!), [...t.shape], 'float32'));
    off += sizes[i]!;
  });
  return { tensors };
}
