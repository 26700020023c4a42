import { isInputError } from '@kd/core';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { decodeImage, sniffFormat } from './decode-image.js';
import { MainThreadReader } from './image-reader.js';
import { WorkerPoolReader } from './worker-pool-reader.js';
import { interlacedPngBomb, jpegDeclaring, pngDeclaring } from '../test/corrupt-images.js';
import {
  encodeImage,
  expectedRgb,
  pattern,
  smoothPattern,
  removeTempDirs,
  tempDir,
  writeFile,
  type ImageKind,
} from '../test/image-tree.js';

const LIMITS = { maxMegapixels: 100 };

function catchError(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('decodeImage', () => {
  it.each<ImageKind>(['png', 'png-rgba', 'png-gray'])(
    '%s decodes to the exact RGB bytes (greyscale to three equal channels, alpha dropped)',
    (kind) => {
      const rgb = pattern(3, 5, 7);
      const img = decodeImage(encodeImage(kind, rgb, 5, 7), `x.${kind}`, LIMITS);
      expect([img.height, img.width]).toEqual([5, 7]);
      expect(Array.from(img.data)).toEqual(Array.from(expectedRgb(kind, rgb)));
    },
  );

  it('decodes a JPEG to within a few levels of the encoded pixels', () => {
    const rgb = smoothPattern(1, 16, 24);
    const img = decodeImage(encodeImage('jpeg', rgb, 16, 24), 'x.jpg', LIMITS);
    expect([img.height, img.width, img.data.length]).toEqual([16, 24, rgb.length]);
    let sum = 0;
    let max = 0;
    for (let i = 0; i < rgb.length; i++) {
      const d = Math.abs(img.data[i]! - rgb[i]!);
      sum += d;
      max = Math.max(max, d);
    }
    expect(sum / rgb.length).toBeLessThan(2);
    expect(max).toBeLessThan(16);
  });

  it('chooses the decoder from the bytes, not the name', () => {
    const rgb = pattern(1, 4, 4);
    const png = encodeImage('png', rgb, 4, 4);
    expect(sniffFormat(png)).toBe('png');
    expect(sniffFormat(encodeImage('jpeg', rgb, 4, 4))).toBe('jpeg');
    expect(Array.from(decodeImage(png, 'n01440764_1.JPEG', LIMITS).data)).toEqual(Array.from(rgb));
  });

  it('names the file and what was expected for bytes that are no image', () => {
    const e = catchError(() => decodeImage(new TextEncoder().encode('hello world'), '/data/train/cat/a.jpg', LIMITS));
    expect(isInputError(e)).toBe(true);
    expect(e.message).toBe(
      '/data/train/cat/a.jpg: not a JPEG or PNG image (the file starts with "hello wo"): expected a JPEG (ff d8 ff) or PNG (89 50 4e 47) file',
    );
    expect(catchError(() => decodeImage(new Uint8Array(0), 'e.png', LIMITS)).message).toContain(
      'e.png: not a JPEG or PNG image (the file is empty)',
    );
  });

  it('refuses a truncated JPEG or PNG with the file name', () => {
    const jpg = encodeImage('jpeg', smoothPattern(2, 32, 32), 32, 32);
    const e = catchError(() => decodeImage(jpg.subarray(0, 200), '/d/t.jpg', LIMITS));
    expect(isInputError(e)).toBe(true);
    expect(e.message).toMatch(/^\/d\/t\.jpg: cannot decode this JPEG file \(.+\): expected a valid JPEG image$/);
    const png = encodeImage('png', pattern(2, 32, 32), 32, 32);
    expect(catchError(() => decodeImage(png.subarray(0, 60), '/d/t.png', LIMITS)).message).toMatch(
      /^\/d\/t\.png: cannot decode this PNG file/,
    );
  });
});

describe('limits before decoding', () => {
  const dir = tempDir();
  const huge = join(dir, 'huge.png');
  writeFile(huge, pngDeclaring(12000, 12000));
  const bomb = join(dir, 'interlaced-bomb.png');
  writeFile(bomb, interlacedPngBomb(256 * 1024 * 1024));
  const hugeJpeg = join(dir, 'huge.jpg');
  writeFile(hugeJpeg, jpegDeclaring(30000, 30000));

  async function both(path: string): Promise<[string, string]> {
    const pool = new WorkerPoolReader(1, LIMITS);
    try {
      const a = await new MainThreadReader(LIMITS).read(path).catch((e: Error) => e);
      const b = await pool.read(path).catch((e: Error) => e);
      expect(isInputError(a) && isInputError(b), `${String(a)} / ${String(b)}`).toBe(true);
      return [(a as Error).message, (b as Error).message];
    } finally {
      await pool.close();
    }
  }

  it('a PNG declaring 12000×12000 pixels is refused from its header, on the main thread and in a worker alike', async () => {
    const [main, worker] = await both(huge);
    expect(main).toBe(
      `${huge}: PNG of 12000×12000 pixels (144 megapixels) is larger than the limit of 100 megapixels (/dataset/maxMegapixels): ` +
        'expected a smaller image, or a larger limit for a genuine one',
    );
    expect(worker).toBe(main);
  });

  it('an interlaced PNG whose image data inflate to 256 MiB is refused without inflating past the 12,408 bytes its 7 passes need', async () => {
    const before = process.memoryUsage().arrayBuffers;
    const [main, worker] = await both(bomb);
    expect(main).toBe(
      `${bomb}: the image data of this interlaced 64×64 PNG inflates to more than the 12408 bytes its pixels need: ` +
        'expected image data of its declared size (a decompression bomb?)',
    );
    expect(worker).toBe(main);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('a JPEG declaring 30000×30000 pixels is refused by jpeg-js before it allocates, in both readers', async () => {
    const [main, worker] = await both(hugeJpeg);
    expect(main).toMatch(new RegExp(`^${hugeJpeg}: cannot decode this JPEG file \\(maxResolutionInMP limit exceeded by 800MP\\)`));
    expect(worker).toBe(main);
  });
});

describe('readers', () => {
  const dir = tempDir();
  const files: { path: string; kind: ImageKind; rgb: Uint8Array }[] = (['png', 'png-rgba', 'png-gray', 'jpeg'] as const).map((kind, i) => {
    const rgb = smoothPattern(i, 9, 6);
    const path = join(dir, `img${i}.${kind === 'jpeg' ? 'jpg' : 'png'}`);
    writeFile(path, encodeImage(kind, rgb, 9, 6));
    return { path, kind, rgb };
  });
  writeFile(join(dir, 'bad.jpg'), 'not an image');

  it('the worker pool decodes exactly as the main thread, with the same errors', async () => {
    const main = new MainThreadReader(LIMITS);
    const pool = new WorkerPoolReader(2, LIMITS);
    try {
      for (const f of files) {
        const a = await main.read(f.path);
        const b = await pool.read(f.path);
        expect([b.height, b.width]).toEqual([a.height, a.width]);
        expect(Array.from(b.data)).toEqual(Array.from(a.data));
        expect(Array.from(a.data)).toEqual(
          Array.from(f.kind === 'jpeg' ? decodeImage(readFileSync(f.path), f.path, LIMITS).data : expectedRgb(f.kind, f.rgb)),
        );
      }
      const bad = join(dir, 'bad.jpg');
      const ea = await main.read(bad).catch((e: Error) => e);
      const eb = await pool.read(bad).catch((e: Error) => e);
      expect(isInputError(ea) && isInputError(eb)).toBe(true);
      expect((eb as Error).message).toBe((ea as Error).message);
      const gone = join(dir, 'gone.png');
      const ga = await main.read(gone).catch((e: Error) => e);
      const gb = await pool.read(gone).catch((e: Error) => e);
      expect((ga as Error).message).toBe(
        `${gone}: cannot read image file (the file disappeared after the folder was scanned): expected a readable JPEG or PNG file`,
      );
      expect((gb as Error).message).toBe((ga as Error).message);
    } finally {
      await pool.close();
    }
  });
});

describe('JPEG colour models jpeg-js cannot encode, against PIL (test/make-fixtures.py)', () => {
  const fixtures = join(import.meta.dirname, '../test/fixtures');
  const reference = JSON.parse(readFileSync(join(fixtures, 'pil-decoded.json'), 'utf8')) as Record<
    string,
    { mode: string; width: number; height: number; rgb: number[] }
  >;

  it.each(['gray.jpg', 'cmyk.jpg'])(
    "%s decodes to RGB within one level of PIL's convert('RGB'), on the main thread and in a worker",
    async (name) => {
      const ref = reference[name]!;
      const path = join(fixtures, name);
      const pool = new WorkerPoolReader(1, LIMITS);
      try {
        for (const img of [decodeImage(readFileSync(path), path, LIMITS), await pool.read(path)]) {
          expect([img.height, img.width, img.data.length]).toEqual([ref.height, ref.width, ref.rgb.length]);
          for (let i = 0; i < ref.rgb.length; i++) expect(Math.abs(img.data[i]! - ref.rgb[i]!), `${name}[${i}]`).toBeLessThanOrEqual(1);
        }
      } finally {
        await pool.close();
      }
    },
  );
});

describe('WorkerPoolReader', () => {
  it('fails the reads of a worker that dies, and every later read, instead of hanging', async () => {
    const pool = new WorkerPoolReader(1, LIMITS);
    const dir = tempDir();
    const path = join(dir, 'a.png');
    writeFile(path, encodeImage('png', pattern(1, 4, 4), 4, 4));
    expect((await pool.read(path)).width).toBe(4);
    const worker = (pool as unknown as { workers: { terminate(): Promise<number> }[] }).workers[0]!;
    const pending = pool.read(path).catch((e: Error) => e);
    await worker.terminate();
    const e = await pending;
    // The read either finished before the worker stopped or failed naming the file.
    if (e instanceof Error) expect(e.message).toContain(path);
    await expect(pool.read(path)).rejects.toThrow(/an image decoding worker failed earlier \(image decoding worker exited with code 1\)/);
    await pool.close();
  });
});

afterAll(removeTempDirs);
