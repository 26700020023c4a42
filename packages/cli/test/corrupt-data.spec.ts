import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, deflateSync, gunzipSync, gzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import { pngWith, repoRoot, sourceImporter, tempDir, tinyConfig, writeConfig } from '@kd/testing';
import { main } from '../src/main.js';
import { captureIo } from './helpers.js';

/**
 * Corrupt data files in their real formats (IDX, CIFAR binary batches and .tar.gz, PNG, JPEG), generated into a temp
 * tree: each is pointed at by a small config and `kd run` must exit with 2 naming the file, before any run directory
 * exists and without writing anything anywhere. The gzip bombs also run in a child process whose peak memory is
 * measured against the limit they are run with.
 */

const MiB = 1024 * 1024;
/** The inflation limit the bomb cases set: small, so that the test is cheap and the memory bound is measurable. */
const LIMIT = 64 * MiB;

// ---- writers of the real formats (independent of the packages' own encoders) ----

function idx(dims: readonly number[], data: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(0x00000800 | dims.length, 0);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, data]);
}

const images = (n: number) =>
  idx(
    [n, 28, 28],
    Uint8Array.from({ length: n * 784 }, (_, i) => (i * 31) % 256),
  );
const labels = (n: number, numClasses = 10) =>
  idx(
    [n],
    Uint8Array.from({ length: n }, (_, i) => i % numClasses),
  );

/** `head`, then `zeros` zero bytes, gzip-compressed as a stream (1 GiB of zeros is about 1 MB). */
async function gzipBomb(file: string, head: Uint8Array, zeros: number): Promise<void> {
  const block = Buffer.alloc(MiB);
  function* chunks() {
    yield Buffer.from(head);
    for (let left = zeros; left > 0; left -= MiB) yield left >= MiB ? block : block.subarray(0, left);
  }
  await pipeline(Readable.from(chunks()), createGzip({ level: 9 }), createWriteStream(file));
}

/** One CIFAR-10 record: label byte, then R, G and B planes. */
function cifarRecord(label: number, seed: number): Buffer {
  const r = Buffer.alloc(3073);
  r[0] = label;
  for (let p = 1; p < 3073; p++) r[p] = (p * 7 + seed) % 256;
  return r;
}
const cifarBatch = (n: number, offset = 0) =>
  Buffer.concat(Array.from({ length: n }, (_, i) => cifarRecord((offset + i) % 10, offset + i)));
const CIFAR10_TRAIN = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
const CIFAR10_NAMES = 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n';

function cifarFiles(): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  CIFAR10_TRAIN.forEach((name, k) => files.set(name, cifarBatch(4, 4 * k)));
  files.set('test_batch.bin', cifarBatch(4, 100));
  files.set('batches.meta.txt', Buffer.from(CIFAR10_NAMES));
  return files;
}

/** A ustar header block for a regular file. */
function tarHeader(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\x0000', 257, 'latin1');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

/**
 * A tar of `cifar-10-batches-bin/<name>` members, then optionally a member of `zeros` zero bytes, gzip-compressed as
 * a stream (a 1 GiB member makes an archive of about 1 MB).
 */
async function cifarTarGz(file: string, files: ReadonlyMap<string, Buffer>, bomb?: { name: string; zeros: number }): Promise<void> {
  const block = Buffer.alloc(MiB);
  const pad = (n: number) => Buffer.alloc((512 - (n % 512)) % 512);
  function* chunks() {
    for (const [name, bytes] of files)
      yield Buffer.concat([tarHeader(`cifar-10-batches-bin/${name}`, bytes.length), bytes, pad(bytes.length)]);
    if (bomb) {
      yield tarHeader(`cifar-10-batches-bin/${bomb.name}`, bomb.zeros);
      for (let left = bomb.zeros; left > 0; left -= MiB) yield left >= MiB ? block : block.subarray(0, left);
      yield pad(bomb.zeros);
    }
    yield Buffer.alloc(1024);
  }
  await pipeline(Readable.from(chunks()), createGzip({ level: 9 }), createWriteStream(file));
}

/** A PNG of this IHDR whose IDAT holds `idat` (zlib data). */
const png = (width: number, height: number, idat: Uint8Array, interlace = 0): Buffer => pngWith({ width, height, interlace }, idat);

/** A valid 8×8 RGB PNG: rows of filter byte 0 and pixels. */
function goodPng(seed: number): Buffer {
  const rows = Buffer.alloc(8 * (1 + 24));
  for (let r = 0; r < 8; r++) for (let i = 1; i < 25; i++) rows[r * 25 + i] = (r * 37 + i * 13 + seed * 29) % 256;
  return png(8, 8, deflateSync(rows));
}

/** A valid 16×16 baseline JPEG (a horizontal gradient, written by jpeg-js at quality 75). */
const GOOD_JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wCEAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDIBCQkJDAsMGA' +
    '0NGDIhHCEyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMv/AABEIABAAEAMBEQACEQEDEQH/xAGiAAABBQEBAQEBAQAAAAAAAAAA' +
    'AQIDBAUGBwgJCgsQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RVVl' +
    'dYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+gEAAwEB' +
    'AQEBAQEBAQAAAAAAAAECAwQFBgcICQoLEQACAQIEBAMEBwUEBAABAncAAQIDEQQFITEGEkFRB2FxEyIygQgUQpGhscEJIzNS8BVictEKFiQ04SXxFxgZGiYnKCkqNTY3OD' +
    'k6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqCg4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2dri4+Tl5ufo6ery' +
    '8/T19vf4+fr/2gAMAwEAAhEDEQA/AOJs+1AHQWfagDn7PtQB0Fn2oA//2Q==',
  'base64',
);

/** Byte offset of a JPEG's first segment with this marker. */
function jpegSegment(jpg: Buffer, marker: number): number {
  for (let pos = 2; pos + 4 <= jpg.length; pos += 2 + jpg.readUInt16BE(pos + 2)) if (jpg[pos + 1] === marker) return pos;
  throw new Error(`no segment ff ${marker.toString(16)}`);
}

// ---- the corpus ----

interface Case {
  readonly name: string;
  /** Writes the data into `dir`; returns the dataset section and the file the message must name. */
  readonly write: (
    dir: string,
  ) => Promise<{ dataset: Record<string, unknown>; file: string }> | { dataset: Record<string, unknown>; file: string };
  /** Further text the message must hold. */
  readonly says: RegExp;
}

const caseOf = (name: string, says: RegExp, write: Case['write']): Case => ({ name, says, write });

/** An IDX set with one of its four files replaced. */
function idxCase(
  name: string,
  replace: 'trainImages' | 'trainLabels' | 'testImages' | 'testLabels',
  bytes: Buffer | ((file: string) => Promise<void>),
  says: RegExp,
  dataset: Record<string, unknown> = {},
): Case {
  return caseOf(name, says, async (dir) => {
    const files = { trainImages: 'train-images', trainLabels: 'train-labels', testImages: 'test-images', testLabels: 'test-labels' };
    writeFileSync(join(dir, files.trainImages), images(40));
    writeFileSync(join(dir, files.trainLabels), labels(40));
    writeFileSync(join(dir, files.testImages), images(10));
    writeFileSync(join(dir, files.testLabels), labels(10));
    files[replace] = `${files[replace]}-bad${typeof bytes === 'function' ? '.gz' : ''}`;
    const file = join(dir, files[replace]);
    if (typeof bytes === 'function') await bytes(file);
    else writeFileSync(file, bytes);
    return { dataset: { name: 'idx', preset: 'custom', dir: '.', files, numClasses: 10, ...dataset }, file };
  });
}

/** A CIFAR-10 directory with one batch file replaced. */
function cifarDirCase(name: string, member: string, bytes: Buffer | null, says: RegExp): Case {
  return caseOf(name, says, (dir) => {
    for (const [n, b] of cifarFiles()) writeFileSync(join(dir, n), b);
    if (bytes) writeFileSync(join(dir, member), bytes);
    return { dataset: { name: 'cifar', variant: 'cifar10', dir: '.' }, file: join(dir, member) };
  });
}

/** A CIFAR-10 archive written by `make`. */
function cifarArchiveCase(
  name: string,
  make: (file: string) => Promise<void> | void,
  says: RegExp,
  dataset: Record<string, unknown> = {},
): Case {
  return caseOf(name, says, async (dir) => {
    const file = join(dir, 'cifar-10-binary.tar.gz');
    await make(file);
    return { dataset: { name: 'cifar', variant: 'cifar10', archive: 'cifar-10-binary.tar.gz', ...dataset }, file };
  });
}

/** An image folder of valid images with one bad file among them. */
function imageCase(name: string, bad: string, bytes: Buffer, says: RegExp, dataset: Record<string, unknown> = {}): Case {
  return caseOf(name, says, (dir) => {
    for (const [split, count] of [
      ['train', 3],
      ['val', 2],
    ] as const) {
      for (const cls of ['cat', 'dog']) {
        mkdirSync(join(dir, 'images', split, cls), { recursive: true });
        for (let i = 0; i < count; i++) writeFileSync(join(dir, 'images', split, cls, `${i}.png`), goodPng(i));
      }
    }
    writeFileSync(join(dir, 'images', 'train', 'cat', bad), bytes);
    return {
      dataset: { name: 'image-folder', root: 'images', imageSize: 8, ...dataset },
      file: join(dir, 'images', 'train', 'cat', bad),
    };
  });
}

const gz = (b: Buffer) => gzipSync(b);
const jpg = GOOD_JPEG;
const okPng = goodPng(5);
const sof = jpegSegment(jpg, 0xc0);
const withSof = (edit: (j: Buffer) => void) => {
  const j = Buffer.from(jpg);
  edit(j);
  return j;
};

const IDX_BOMB: Case = idxCase(
  'idx: gzip bomb (a valid header, then 1 GiB of zeros in about 1 MB)',
  'trainImages',
  (file) => gzipBomb(file, idx([1_369_000, 28, 28], new Uint8Array(0)), 1024 * MiB),
  /gzip data inflates to more than 67108864 bytes \(64 MiB, the limit \/dataset\/maxInflatedBytes\)/,
  { maxInflatedBytes: LIMIT },
);
const CIFAR_BOMB: Case = cifarArchiveCase(
  'cifar: .tar.gz bomb (a 1 GiB member in about 1 MB)',
  (file) => cifarTarGz(file, new Map([...cifarFiles()].slice(0, 2)), { name: 'data_batch_3.bin', zeros: 1024 * MiB }),
  /gzip data inflates to more than 67108864 bytes \(64 MiB, the limit \/dataset\/maxInflatedBytes\)/,
  { maxInflatedBytes: LIMIT },
);

const corpus: readonly Case[] = [
  IDX_BOMB,
  idxCase(
    'idx: truncated images (cut inside image 30)',
    'trainImages',
    images(40).subarray(0, 16 + 30 * 784 + 100),
    /truncated IDX data: .* image 30 of 40 \(784 bytes at byte offset 23536\) is cut off after 100 bytes/,
  ),
  idxCase(
    'idx: truncated header',
    'testImages',
    images(10).subarray(0, 10),
    /truncated IDX header: expected 16 bytes for 3 dimensions, found 10/,
  ),
  idxCase('idx: wrong magic (a label file as images)', 'trainImages', labels(40), /bad magic number 0x00000801, expected 0x00000803/),
  idxCase(
    'idx: header count disagrees with the size (trailing bytes)',
    'testLabels',
    Buffer.concat([labels(10), Buffer.from([1, 2, 3])]),
    /3 unexpected bytes after the IDX data, from byte offset 18/,
  ),
  idxCase(
    'idx: a label ≥ numClasses',
    'trainLabels',
    idx(
      [40],
      Uint8Array.from({ length: 40 }, (_, i) => (i === 17 ? 12 : i % 10)),
    ),
    /label 12 at index 17 \(byte offset 25\) is out of range: expected a class in 0\.\.9/,
  ),
  idxCase('idx: image and label counts differ', 'testLabels', labels(9), /has 10 images but .* has 9 labels: expected the same count/),
  idxCase(
    'idx: truncated gzip',
    'trainLabels',
    async (file) => writeFileSync(file, gz(labels(40)).subarray(0, 30)),
    /not a valid gzip file \(unexpected end of file after \d+ compressed bytes\)/,
  ),
  idxCase('idx: zero-byte file', 'testImages', Buffer.alloc(0), /truncated IDX file: 0 bytes, shorter than the 4-byte magic number/),
  idxCase('idx: text file', 'trainImages', Buffer.from('this is not an IDX file\n'), /bad magic number 0x74686973/),
  CIFAR_BOMB,
  cifarArchiveCase(
    'cifar: archive missing a member',
    (file) => cifarTarGz(file, new Map([...cifarFiles()].filter(([n]) => n !== 'test_batch.bin'))),
    /cifar-10-binary\.tar\.gz:cifar-10-batches-bin\/test_batch\.bin: missing/,
  ),
  cifarArchiveCase(
    'cifar: truncated tar inside a valid gzip',
    async (file) => {
      await cifarTarGz(file, cifarFiles());
      writeFileSync(file, gzipSync(gunzipSync(readFileSync(file)).subarray(0, 4000)));
    },
    /corrupt tar archive inside the gzip \(.+\): expected the official gzip-compressed tar archive/,
  ),
  cifarArchiveCase(
    'cifar: truncated gzip',
    async (file) => {
      await cifarTarGz(file, cifarFiles());
      const whole = readFileSync(file);
      writeFileSync(file, whole.subarray(0, whole.length >> 1));
    },
    /not a valid gzip file \(unexpected end of file after \d+ compressed bytes\)/,
  ),
  cifarArchiveCase(
    'cifar: a text file named .tar.gz',
    (file) => writeFileSync(file, 'Not Found\n'),
    /not a valid gzip file \(incorrect header check/,
  ),
  cifarDirCase(
    'cifar: a batch of the wrong length',
    'data_batch_2.bin',
    cifarBatch(4).subarray(0, 3 * 3073 + 1000),
    /10219 bytes is not a whole number of cifar10 records of 3073 bytes .* record 3 at byte offset 9219 is truncated to 1000 bytes/,
  ),
  cifarDirCase(
    'cifar: a label ≥ 10',
    'test_batch.bin',
    Buffer.concat([cifarRecord(3, 0), cifarRecord(11, 1)]),
    /record 1 \(byte offset 3073\) has label 11, expected 0\.\.9 for cifar10/,
  ),
  cifarDirCase('cifar: an empty batch file', 'data_batch_5.bin', Buffer.alloc(0), /empty file, expected cifar10 records of 3073 bytes/),
  cifarDirCase(
    'cifar: a CIFAR-100 batch where CIFAR-10 is expected',
    'data_batch_1.bin',
    Buffer.alloc(2 * 3074),
    /fits cifar100 records of 3074 bytes: wrong "variant"\?/,
  ),
  cifarDirCase(
    'cifar: class-name file with the wrong count',
    'batches.meta.txt',
    Buffer.from('cat\ndog\n'),
    /2 class names, expected 10 \(one a line\)/,
  ),
  imageCase(
    'image: a PNG declaring 12000×12000 pixels',
    'huge.png',
    png(12000, 12000, deflateSync(Buffer.alloc(4 * 36001))),
    /PNG of 12000×12000 pixels \(144 megapixels\) is larger than the limit of 100 megapixels \(\/dataset\/maxMegapixels\)/,
  ),
  imageCase(
    'image: a JPEG declaring 60000×60000 pixels',
    'huge.jpg',
    withSof((j) => (j.writeUInt16BE(60000, sof + 5), j.writeUInt16BE(60000, sof + 7))),
    /JPEG of 60000×60000 pixels \(3600 megapixels\) is larger than the limit/,
  ),
  imageCase('image: a zero-byte image', '0.png', Buffer.alloc(0), /empty file \(0 bytes\): expected a JPEG or PNG image/),
  imageCase(
    'image: text renamed .png',
    '3.png',
    Buffer.from('hello world\n'),
    /not a JPEG or PNG image \(the file starts with "hello wo"\)/,
  ),
  imageCase(
    'image: truncated PNG',
    'cut.png',
    okPng.subarray(0, okPng.length - 15),
    /truncated PNG: the file \(\d+ bytes\) does not end with the IEND chunk/,
  ),
  imageCase(
    'image: PNG header with a bad CRC',
    'crc.png',
    Buffer.from(okPng).fill(0x55, 17, 19),
    /corrupt PNG: the IHDR chunk fails its CRC/,
  ),
  imageCase(
    'image: interlaced PNG whose data inflate to 64 MiB',
    'bomb.png',
    png(64, 64, deflateSync(Buffer.alloc(64 * MiB), { level: 9 }), 1),
    /interlaced 64×64 PNG inflates to more than the 12408 bytes its pixels need/,
  ),
  imageCase(
    'image: JPEG truncated in its headers',
    'cut.jpg',
    jpg.subarray(0, sof + 4),
    /truncated JPEG: the file \(\d+ bytes\) ends inside the frame header at byte offset \d+/,
  ),
  imageCase(
    'image: lossless JPEG (SOF3, which jpeg-js cannot decode)',
    'lossless.jpg',
    withSof((j) => (j[sof + 1] = 0xc3)),
    /start-of-frame marker ff c3/,
  ),
  imageCase(
    'image: an HTML error page saved as .jpg',
    'page.jpg',
    Buffer.from('<!DOCTYPE html><title>403</title>'),
    /the file starts with "<!DOCTYP"/,
  ),
];

// ---- the checks ----

/** A digest of every file under `dir` (path, size, content), to prove nothing in it changed. */
function treeDigest(dir: string): string {
  const hash = createHash('sha256');
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      hash.update(`${relative(dir, p)}\0`);
      if (e.isDirectory()) walk(p);
      else hash.update(readFileSync(p));
    }
  };
  walk(dir);
  return hash.digest('hex');
}

describe('corrupt data files are rejected with exit 2 before any run directory exists', () => {
  const root = tempDir('kd-corrupt-data-');
  const cache = join(root, 'cache');
  const savedCache = process.env['KD_CACHE_DIR'];
  const repoEntries = readdirSync(repoRoot).sort();
  // A download or cache write would land in the temp tree, where the digest sees it.
  beforeAll(() => {
    mkdirSync(cache);
    process.env['KD_CACHE_DIR'] = cache;
  });
  afterAll(() => {
    if (savedCache === undefined) delete process.env['KD_CACHE_DIR'];
    else process.env['KD_CACHE_DIR'] = savedCache;
    rmSync(root, { recursive: true, force: true });
  });

  const prepared = new Map<Case, ReturnType<typeof write>>();
  /** The case written once (a bomb takes seconds to compress) into its own directory with its config. */
  const prepare = (c: Case) => prepared.get(c) ?? prepared.set(c, write(c)).get(c)!;

  /** Writes the case into its own directory with its config; returns the config, the run dir and the bad file. */
  async function write(c: Case) {
    const dir = join(root, c.name.replace(/[^a-z0-9]+/gi, '-'));
    mkdirSync(dir, { recursive: true });
    const written = await c.write(dir);
    const runDir = join(dir, 'run');
    // Batches of 2: a corruption the dataset missed cannot hide behind the check of batch size against split size.
    const training = { ...(tinyConfig(runDir).training as Record<string, unknown>), epochs: 1, batchSize: 2 };
    const config = writeConfig(dir, 'config.json', tinyConfig(runDir, { backend: 'cpu', dataset: written.dataset, training }));
    return { dir, config, runDir, file: written.file };
  }

  it('has a corpus of at least 25 corrupt files in IDX, CIFAR, PNG and JPEG formats', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(25);
    for (const kind of ['idx:', 'cifar:', 'image:'])
      expect(corpus.filter((c) => c.name.startsWith(kind)).length, kind).toBeGreaterThanOrEqual(6);
  });

  it.each(corpus)('$name', async (c) => {
    const { dir, config, runDir, file } = await prepare(c);
    const before = treeDigest(root);
    const io = captureIo();
    const tensors = tf.engine().state.numTensors;
    const code = await main(['run', config], io, { importer: sourceImporter });
    expect(code, io.stderr).toBe(2);
    expect(io.stderr).toContain(file);
    expect(io.stderr).toMatch(c.says);
    // A message, not a stack trace.
    expect(io.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
    expect(existsSync(runDir)).toBe(false);
    expect(treeDigest(root)).toBe(before);
    expect(readdirSync(repoRoot).sort()).toEqual(repoEntries);
    expect(tf.engine().state.numTensors).toBe(tensors);
    expect(readdirSync(dir)).not.toContain('run');
  });

  describe('gzip bombs: peak memory of a whole `kd run` in a fresh process stays within twice the limit', () => {
    const child = resolve(import.meta.dirname, 'corrupt-data/run-child.mjs');
    const cliDir = resolve(import.meta.dirname, '..');

    /** `kd run` in a child process on the sources; its exit code, stderr and peak RSS. */
    function runInChild(config: string): { code: number; stderr: string; maxRss: number } {
      const r = spawnSync(
        process.execPath,
        ['--conditions=@kd/source', '--import', '@swc-node/register/esm-register', child, config, repoRoot],
        {
          cwd: cliDir,
          encoding: 'utf8',
          timeout: 120_000,
          env: { ...process.env, KD_CACHE_DIR: cache },
        },
      );
      expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr.slice(-2000) }).toEqual({ status: 0, stderr: '' });
      return JSON.parse(r.stdout.trim().split('\n').pop()!) as { code: number; stderr: string; maxRss: number };
    }

    it.each([
      [
        IDX_BOMB,
        idxCase(
          'idx: baseline (a small corrupt gzip)',
          'trainImages',
          async (f) => writeFileSync(f, gz(images(40)).subarray(0, 100)),
          /not a valid gzip file/,
          { maxInflatedBytes: LIMIT },
        ),
      ],
      [
        CIFAR_BOMB,
        cifarArchiveCase(
          'cifar: baseline (a small corrupt gzip)',
          (f) => writeFileSync(f, gz(Buffer.alloc(4096)).subarray(0, 100)),
          /not a valid gzip file/,
          { maxInflatedBytes: LIMIT },
        ),
      ],
    ] as const)('$name', async (bomb, baseline) => {
      const b = await prepare(bomb);
      const s = await prepare(baseline);
      // The bomb is real: about 1 MB on disk for 1 GiB inflated.
      expect(statSync(b.file).size).toBeLessThan(2 * MiB);
      const small = runInChild(s.config);
      const big = runInChild(b.config);
      expect(small.code, small.stderr).toBe(2);
      expect(big.code, big.stderr).toBe(2);
      expect(big.stderr).toContain(b.file);
      expect(big.stderr).toMatch(bomb.says);
      expect(existsSync(b.runDir)).toBe(false);
      const extra = big.maxRss - small.maxRss;
      console.log(
        `${bomb.name}: peak RSS ${(big.maxRss / MiB).toFixed(0)} MiB, baseline ${(small.maxRss / MiB).toFixed(0)} MiB, extra ${(extra / MiB).toFixed(1)} MiB for a limit of ${LIMIT / MiB} MiB`,
      );
      expect(extra).toBeLessThanOrEqual(2 * LIMIT);
    });
  });
});
