import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isInputError } from '@kd/core';
import { downloadVerified, md5OfFile } from './download.js';
import { startArchiveServer, type ArchiveServer } from '../test/archive-server.js';
import { tempDir } from '../test/cifar-files.js';

const body = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 31 + (i >> 8)) % 256));
const md5 = createHash('md5').update(body).digest('hex');

describe('downloadVerified', () => {
  let server: ArchiveServer;
  beforeAll(async () => {
    server = await startArchiveServer({ '/a.tar.gz': body });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    server.cutAfter = undefined;
    server.ignoreRange = false;
  });

  it('md5OfFile agrees with node:crypto on the whole buffer', async () => {
    const f = join(tempDir(), 'x');
    writeFileSync(f, body);
    expect(await md5OfFile(f)).toBe(md5);
  });

  it('downloads, verifies, renames; a verified file is never fetched again', async () => {
    const file = join(tempDir(), 'cache', 'a.tar.gz');
    expect(await downloadVerified({ url: server.url('/a.tar.gz'), md5, file })).toBe(file);
    expect(readFileSync(file).equals(body)).toBe(true);
    expect(existsSync(`${file}.partial`)).toBe(false);
    expect(server.requests).toEqual([null]);
    await downloadVerified({ url: server.url('/a.tar.gz'), md5, file });
    expect(server.requests).toEqual([null]);
  });

  it('an interrupted transfer leaves only a .partial; the next call resumes with a Range request', async () => {
    const file = join(tempDir(), 'a.tar.gz');
    server.cutAfter = 80_000;
    const e = await downloadVerified({ url: server.url('/a.tar.gz'), md5, file }).catch((err: unknown) => err);
    expect(isInputError(e)).toBe(true);
    expect((e as Error).message).toMatch(/interrupted.*run again to resume/);
    expect(existsSync(file)).toBe(false);
    const have = statSync(`${file}.partial`).size;
    expect(have).toBeGreaterThan(0);
    expect(have).toBeLessThan(body.length);
    const lines: string[] = [];
    await downloadVerified({ url: server.url('/a.tar.gz'), md5: md5.toUpperCase(), file, log: (l) => lines.push(l) });
    expect(server.requests).toEqual([null, `bytes=${have}-`]);
    expect(lines[0]).toContain(`resuming`);
    expect(lines.at(-2)).toBe('100 % of 0.2 MB');
    expect(lines.at(-1)).toBe(`verified ${file}`);
    expect(readFileSync(file).equals(body)).toBe(true);
    expect(existsSync(`${file}.partial`)).toBe(false);
  });

  it('a server that ignores Range restarts from byte 0; a complete partial (416) is verified and kept', async () => {
    const dir = tempDir();
    const file = join(dir, 'a.tar.gz');
    writeFileSync(`${file}.partial`, body.subarray(0, 1000));
    server.ignoreRange = true;
    await downloadVerified({ url: server.url('/a.tar.gz'), md5, file });
    expect(readFileSync(file).equals(body)).toBe(true);
    const file2 = join(dir, 'b.tar.gz');
    writeFileSync(`${file2}.partial`, body);
    server.ignoreRange = false;
    await downloadVerified({ url: server.url('/a.tar.gz'), md5, file: file2 });
    expect(server.requests.at(-1)).toBe(`bytes=${body.length}-`);
    expect(readFileSync(file2).equals(body)).toBe(true);
  });

  it('checksum mismatch after download: error names url, both MD5s; no file and no partial are left', async () => {
    const file = join(tempDir(), 'a.tar.gz');
    const wrong = '0'.repeat(32);
    const e = await downloadVerified({ url: server.url('/a.tar.gz'), md5: wrong, file }).catch((err: unknown) => err);
    expect(isInputError(e)).toBe(true);
    expect((e as Error).message).toBe(
      `${server.url('/a.tar.gz')}: checksum mismatch: downloaded file has MD5 ${md5}, expected ${wrong} (partial file removed)`,
    );
    expect(existsSync(file)).toBe(false);
    expect(existsSync(`${file}.partial`)).toBe(false);
  });

  it('an existing file with the wrong checksum is an error, not silently replaced', async () => {
    const file = join(tempDir(), 'a.tar.gz');
    writeFileSync(file, body.subarray(0, 10));
    await expect(downloadVerified({ url: server.url('/a.tar.gz'), md5, file })).rejects.toThrow(
      new RegExp(`${file}: checksum mismatch: MD5 [0-9a-f]{32}, expected ${md5}`),
    );
    expect(server.requests).toEqual([]);
  });

  it('HTTP errors and unreachable servers are input errors naming the URL', async () => {
    const file = join(tempDir(), 'a.tar.gz');
    await expect(downloadVerified({ url: server.url('/missing'), md5, file })).rejects.toThrow(/\/missing failed: HTTP 404/);
    await expect(downloadVerified({ url: 'http://127.0.0.1:1/x', md5, file })).rejects.toThrow(
      /download of http:\/\/127.0.0.1:1\/x failed/,
    );
  });
});
