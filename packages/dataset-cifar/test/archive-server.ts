import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ArchiveServer {
  readonly url: (path: string) => string;
  /** Range header of each request, or null. */
  readonly requests: (string | null)[];
  /** When set, the next full (non-Range) response stops after this many bytes and drops the connection. */
  cutAfter: number | undefined;
  /** When set, Range requests are answered 200 with the whole body (a server without Range support). */
  ignoreRange: boolean;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 serving `files` by path, with byte-range support. */
export async function startArchiveServer(files: Record<string, Buffer>): Promise<ArchiveServer> {
  const state = { cutAfter: undefined as number | undefined, ignoreRange: false };
  const requests: (string | null)[] = [];
  const server: Server = createServer((req, res) => {
    const range = req.headers.range ?? null;
    requests.push(range);
    const body = files[req.url ?? ''];
    if (!body) {
      res.writeHead(404, 'Not Found').end();
      return;
    }
    const m = range && !state.ignoreRange ? /^bytes=(\d+)-$/.exec(range) : null;
    if (m) {
      const start = Number(m[1]);
      if (start >= body.length) {
        res.writeHead(416, { 'Content-Range': `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, { 'Content-Length': body.length - start, 'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}` });
      res.end(body.subarray(start));
      return;
    }
    res.writeHead(200, { 'Content-Length': body.length });
    if (state.cutAfter !== undefined) {
      const n = state.cutAfter;
      state.cutAfter = undefined;
      res.write(body.subarray(0, n), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    requests,
    get cutAfter() {
      return state.cutAfter;
    },
    set cutAfter(v) {
      state.cutAfter = v;
    },
    get ignoreRange() {
      return state.ignoreRange;
    },
    set ignoreRange(v) {
      state.ignoreRange = v;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
