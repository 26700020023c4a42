import { KdInputError } from '@kd/core';
import type { RedisOptions } from 'ioredis';

/** The BullMQ queue every kd worker and submitter shares; one queue serves many studies (a job's id is its cell's hash). */
export const DEFAULT_QUEUE = 'kd-cells';

/**
 * A `redis://[user:password@]host[:port][/db]` (or `rediss://`) URL as ioredis options. A malformed URL is the user's
 * input (exit 2), named with the option it came from.
 */
export function redisConnection(url: string, what = '--queue'): RedisOptions & { host: string; port: number } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new KdInputError(`${what}: got ${JSON.stringify(url)}; expected a Redis URL, e.g. redis://127.0.0.1:6379`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new KdInputError(`${what}: got ${JSON.stringify(url)}; expected a redis:// or rediss:// URL`);
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db))
    throw new KdInputError(`${what}: got ${JSON.stringify(url)}; the path must be a database number (/0)`);
  return {
    host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}
