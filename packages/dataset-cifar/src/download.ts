import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { KdInputError } from '@kd/core';

export interface DownloadOptions {
  readonly url: string;
  /** Expected MD5 of the whole file, lower-case hex. */
  readonly md5: string;
  /** Final path; the transfer goes to `<file>.partial` first. */
  readonly file: string;
  /** Progress and status lines. */
  readonly log?: (line: string) => void;
}

export async function md5OfFile(file: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Makes `file` a verified copy of `url`. A file already in place is checked, never fetched again. Bytes go to
 * `<file>.partial`, resumed with an HTTP Range request when a previous transfer was cut; only a partial whose MD5
 * matches is renamed into place, so an interruption never leaves a corrupt `file`. Returns `file`.
 */
export async function downloadVerified(options: DownloadOptions): Promise<string> {
  const { url, md5, file, log = () => {} } = options;
  const expected = md5.toLowerCase();
  if (existsSync(file)) {
    const actual = await md5OfFile(file);
    if (actual !== expected) {
      throw new KdInputError(
        `${file}: checksum mismatch: MD5 ${actual}, expected ${expected}. Delete the file to download it again from ${url}`,
      );
    }
    return file;
  }
  mkdirSync(dirname(file), { recursive: true });
  const partial = `${file}.partial`;
  const have = existsSync(partial) ? statSync(partial).size : 0;
  const response = await fetch(url, have > 0 ? { headers: { Range: `bytes=${have}-` } } : {}).catch((e: Error) => {
    throw new KdInputError(`download of ${url} failed: ${(e.cause as Error | undefined)?.message ?? e.message}`);
  });
  // 416: the partial already holds everything the server has.
  if (response.status !== 416) {
    if (response.status !== 200 && response.status !== 206) {
      throw new KdInputError(`download of ${url} failed: HTTP ${response.status} ${response.statusText}`);
    }
    // A 200 to a Range request means the server ignored it: start over.
    const resume = response.status === 206 && have > 0;
    log(resume ? `resuming ${url} at byte ${have}` : `downloading ${url}`);
    const handle = await open(partial, resume ? 'a' : 'w');
    try {
      if (!response.body) throw new KdInputError(`download of ${url} failed: empty response`);
      const total = Number(response.headers.get('content-length') ?? NaN) + (resume ? have : 0);
      let done = resume ? have : 0;
      let reported = Math.floor((done / total) * 10);
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        await handle.write(chunk);
        done += chunk.length;
        // A line per 10 %: downloads of the official archives take minutes.
        const tenth = Math.floor((done / total) * 10);
        if (Number.isFinite(total) && tenth > reported) {
          reported = tenth;
          log(`${Math.round((done / total) * 100)} % of ${(total / 1e6).toFixed(1)} MB`);
        }
      }
      await handle.sync();
    } catch (e) {
      throw e instanceof KdInputError
        ? e
        : new KdInputError(`download of ${url} interrupted (${(e as Error).message}); run again to resume from ${partial}`);
    } finally {
      await handle.close();
    }
  }
  const actual = await md5OfFile(partial);
  if (actual !== expected) {
    rmSync(partial, { force: true });
    throw new KdInputError(`${url}: checksum mismatch: downloaded file has MD5 ${actual}, expected ${expected} (partial file removed)`);
  }
  renameSync(partial, file);
  log(`verified ${file}`);
  return file;
}
