import { isInputError } from '@kd/core';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkImageHeader, scanImageHeaders } from './header-scan.js';
import { inspectImageBytes } from './image-header.js';
import { interlacedPngBomb, jpegDeclaring, jpegWithFrameMarker, pngChunk, pngDeclaring, pngWith } from '../test/corrupt-images.js';
import { encodeImage, pattern, removeTempDirs, smoothPattern, tempDir, writeFile } from '../test/image-tree.js';

const png = encodeImage('png', pattern(1, 12, 10), 12, 10);
const jpg = encodeImage('jpeg', smoothPattern(1, 24, 32), 24, 32);

/** Bad files in their real formats, each with what its message must say. */
const corpus: readonly { name: string; bytes: Uint8Array; says: RegExp }[] = [
  { name: 'zero.png', bytes: new Uint8Array(0), says: /: empty file \(0 bytes\): expected a JPEG or PNG image$/ },
  {
    name: 'text.png',
    bytes: Buffer.from('hello world, I am not an image\n'),
    says: /: not a JPEG or PNG image \(the file starts with "hello wo"\): expected a JPEG \(ff d8 ff\) or PNG \(89 50 4e 47\) file$/,
  },
  { name: 'html.jpg', bytes: Buffer.from('<!DOCTYPE html><html>404</html>'), says: /the file starts with "<!DOCTYP"/ },
  {
    name: 'binary.png',
    bytes: Buffer.from([0, 1, 2, 3, 0xfe, 0xff, 0x10, 0x20, 9]),
    says: /the file starts with bytes 00 01 02 03 fe ff 10 20\)/,
  },
  {
    name: 'huge.png',
    bytes: pngDeclaring(12000, 12000),
    says: /: PNG of 12000×12000 pixels \(144 megapixels\) is larger than the limit of 100 megapixels \(\/dataset\/maxMegapixels\)/,
  },
  {
    name: 'huge.jpg',
    bytes: jpegDeclaring(60000, 50000),
    says: /: JPEG of 60000×50000 pixels \(3000 megapixels\) is larger than the limit of 100 megapixels/,
  },
  {
    name: 'truncated.png',
    bytes: png.subarray(0, png.length - 20),
    says: /: truncated PNG: the file \(\d+ bytes\) does not end with the IEND chunk/,
  },
  { name: 'header-only.png', bytes: png.subarray(0, 30), says: /: truncated PNG: 30 bytes, shorter than/ },
  {
    name: 'trailing.png',
    bytes: Buffer.concat([png, Buffer.from('junk')]),
    says: /does not end with the IEND chunk: expected a complete PNG file \(cut short, or bytes after its end\)/,
  },
  {
    name: 'bad-crc.png',
    bytes: Buffer.from(png).fill(0x55, 20, 22),
    says: /: corrupt PNG: the IHDR chunk fails its CRC \(byte offset 29\)/,
  },
  { name: 'zero-width.png', bytes: pngWith({ width: 0, height: 5 }, Buffer.alloc(0)), says: /: corrupt PNG: IHDR declares 0×5 pixels/ },
  {
    name: 'bad-depth.png',
    bytes: pngWith({ width: 4, height: 4, depth: 3 }, Buffer.alloc(0)),
    says: /IHDR declares bit depth 3, colour type 2/,
  },
  {
    name: 'no-ihdr.png',
    bytes: Buffer.concat([png.subarray(0, 8), pngChunk('tEXt', Buffer.alloc(13)), png.subarray(33)]),
    says: /bytes 8\.\.15 are not the 13-byte IHDR chunk header/,
  },
  {
    name: 'truncated-header.jpg',
    bytes: jpg.subarray(0, 40),
    says: /: truncated JPEG: the file has 40 bytes and its segment ff [0-9a-f]{2} at byte offset \d+ \(\d+ bytes\) runs past the end/,
  },
  {
    name: 'soi-only.jpg',
    bytes: Buffer.from([0xff, 0xd8, 0xff]),
    says: /: truncated JPEG: the file has 3 bytes and it ends at byte offset 2, inside its header segments/,
  },
  {
    name: 'lossless.jpg',
    bytes: jpegWithFrameMarker(0xc3),
    says: /start-of-frame marker ff c3 \(lossless, hierarchical or arithmetic coding\)/,
  },
  { name: 'zero-size.jpg', bytes: jpegDeclaring(0, 16), says: /: corrupt JPEG: the frame header at byte offset \d+ declares 0×16 pixels/ },
  {
    name: 'many-segments.jpg',
    bytes: Buffer.concat([
      jpg.subarray(0, 2),
      Buffer.from(Array.from({ length: 10_001 }, () => [0xff, 0xfe, 0, 2]).flat()),
      jpg.subarray(2),
    ]),
    says: /: corrupt JPEG: more than 10000 header segments before byte offset 40006/,
  },
  {
    name: 'cut-at-scan.jpg',
    bytes: jpg.subarray(0, jpg.indexOf(Buffer.from([0xff, 0xda])) + 6),
    says: /: truncated JPEG: .* ends at the start of its image data/,
  },
];

describe('image header scan', () => {
  afterAll(removeTempDirs);

  it.each(corpus)('$name: refused by name, saying what was expected', async ({ name, bytes, says }) => {
    const dir = tempDir();
    const path = join(dir, 'train', 'cat', name);
    writeFile(path, bytes);
    const problem = await checkImageHeader(path, 100);
    expect(problem).toMatch(new RegExp(`^${path}: `));
    expect(problem).toMatch(says);
    // In memory, the same verdict (the decoders' view of the same bytes).
    const inMemory = inspectImageBytes(bytes, 100);
    expect('problem' in inMemory && `${path}: ${inMemory.problem}`).toBe(problem);
  });

  it('accepts valid PNG (every colour type), JPEG (and one with bytes after its end), and a limit exactly met', async () => {
    const dir = tempDir();
    const files = {
      'a.png': png,
      'g.png': encodeImage('png-gray', pattern(2, 5, 5), 5, 5),
      'r.png': encodeImage('png-rgba', pattern(3, 5, 5), 5, 5),
      'b.jpg': jpg,
      // A phone's motion photo: a JPEG followed by a video. jpeg-js decodes it.
      'motion.jpg': Buffer.concat([jpg, Buffer.alloc(10_000, 7)]),
    };
    for (const [name, bytes] of Object.entries(files)) writeFile(join(dir, name), bytes);
    for (const name of Object.keys(files)) expect(await checkImageHeader(join(dir, name), 100), name).toBeUndefined();
    // 24×32 = 768 pixels: a limit of 768e-6 megapixels is met exactly, one pixel less is not.
    expect(await checkImageHeader(join(dir, 'b.jpg'), 768e-6)).toBeUndefined();
    expect(await checkImageHeader(join(dir, 'b.jpg'), 767e-6)).toMatch(/JPEG of 32×24 pixels/);
    expect(await checkImageHeader(join(dir, 'a.png'), 120e-6)).toBeUndefined();
    expect(await checkImageHeader(join(dir, 'a.png'), 119e-6)).toMatch(/PNG of 10×12 pixels/);
  });

  it('a JPEG whose header segments go past the first 16 KiB is followed there (a large EXIF block)', async () => {
    const dir = tempDir();
    const app1 = Buffer.alloc(4 + 30_000);
    app1.writeUInt16BE(0xffe1, 0);
    app1.writeUInt16BE(2 + 30_000 - 2, 2);
    const big = Buffer.concat([jpg.subarray(0, 2), app1.subarray(0, 2 + 30_000), jpg.subarray(2)]);
    writeFile(join(dir, 'exif.jpg'), big);
    expect(await checkImageHeader(join(dir, 'exif.jpg'), 100)).toBeUndefined();
    writeFile(join(dir, 'exif-huge.jpg'), Buffer.concat([big.subarray(0, 2 + 30_002), jpegDeclaring(20000, 20000).subarray(2)]));
    expect(await checkImageHeader(join(dir, 'exif-huge.jpg'), 100)).toMatch(/JPEG of 20000×20000 pixels \(400 megapixels\)/);
  });

  it('a missing file, a directory, and a FIFO named like an image (never blocks) are refused by name', async () => {
    const dir = tempDir();
    expect(await checkImageHeader(join(dir, 'gone.png'), 100)).toBe(
      `${join(dir, 'gone.png')}: cannot read image file (the file disappeared after the folder was scanned): expected a readable JPEG or PNG file`,
    );
    mkdirSync(join(dir, 'folder.png'));
    expect(await checkImageHeader(join(dir, 'folder.png'), 100)).toMatch(/folder\.png: (not a regular file|cannot read image file)/);
    execFileSync('mkfifo', [join(dir, 'pipe.png')]);
    expect(await checkImageHeader(join(dir, 'pipe.png'), 100)).toBe(
      `${join(dir, 'pipe.png')}: not a regular file: expected a JPEG or PNG image file`,
    );
  });

  it('scanImageHeaders: one input error naming the first bad file in list order, then the others and their count', async () => {
    const dir = tempDir();
    const paths: string[] = [];
    for (let i = 0; i < 30; i++) {
      const path = join(dir, `${String(i).padStart(2, '0')}.png`);
      writeFile(path, i % 3 === 1 ? Buffer.from(`text file ${i}`) : png);
      paths.push(path);
    }
    await expect(
      scanImageHeaders(
        paths.filter((_, i) => i % 3 !== 1),
        100,
      ),
    ).resolves.toBeUndefined();
    const e = await scanImageHeaders(paths, 100).catch((err: unknown) => err);
    expect(isInputError(e)).toBe(true);
    const lines = (e as Error).message.split('\n');
    expect(lines[0]).toBe(
      `${paths[1]}: not a JPEG or PNG image (the file starts with "text fil"): expected a JPEG (ff d8 ff) or PNG (89 50 4e 47) file`,
    );
    expect(lines[1]).toBe('  9 more of the 30 image files fail the header check:');
    expect(lines.slice(2).map((l) => l.trim().split(':')[0])).toEqual([4, 7, 10, 13, 16, 19, 22, 25, 28].map((i) => paths[i]));
  });

  it('is fast: 3000 files in well under a second or two (only headers are read)', async () => {
    const dir = tempDir();
    const paths: string[] = [];
    const big = encodeImage('jpeg', smoothPattern(4, 256, 256), 256, 256);
    for (let i = 0; i < 3000; i++) {
      const path = join(dir, `c${i % 10}`, `${i}.${i % 2 ? 'jpg' : 'png'}`);
      writeFile(path, i % 2 ? big : png);
      paths.push(path);
    }
    const start = performance.now();
    await scanImageHeaders(paths, 100);
    const ms = performance.now() - start;
    console.log(`header scan: ${paths.length} files in ${ms.toFixed(0)} ms (${((ms * 1000) / paths.length).toFixed(0)} µs a file)`);
    expect(ms).toBeLessThan(5000);
  });

  it('an interlaced PNG: its image data are inflated, bounded by what its size needs, so a zlib bomb behind a small header is refused', async () => {
    const dir = tempDir();
    expect(inspectImageBytes(interlacedPngBomb(64 * 1024 * 1024), 100)).toEqual({
      header: { format: 'png', width: 64, height: 64, interlaced: true },
    });
    writeFile(join(dir, 'bomb.png'), interlacedPngBomb(64 * 1024 * 1024));
    expect(await checkImageHeader(join(dir, 'bomb.png'), 100)).toBe(
      `${join(dir, 'bomb.png')}: the image data of this interlaced 64×64 PNG inflates to more than the 12408 bytes its pixels need: ` +
        'expected image data of its declared size (a decompression bomb?)',
    );
    writeFile(join(dir, 'ok.png'), interlacedPngBomb(12408));
    expect(await checkImageHeader(join(dir, 'ok.png'), 100)).toBeUndefined();
  });
});
