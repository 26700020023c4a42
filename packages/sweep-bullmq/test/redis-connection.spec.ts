import { isInputError } from '@kd/core';
import { jobData, redisConnection } from '../src/index.js';

describe('redisConnection', () => {
  it('reads host, port, credentials, database and TLS from the URL', () => {
    expect(redisConnection('redis://127.0.0.1:6390')).toEqual({ host: '127.0.0.1', port: 6390 });
    expect(redisConnection('rediss://kd:s%40cret@queue.example:7000/3')).toEqual({
      host: 'queue.example',
      port: 7000,
      username: 'kd',
      password: 's@cret',
      db: 3,
      tls: {},
    });
    expect(redisConnection('redis://[::1]')).toMatchObject({ host: '::1', port: 6379 });
  });

  it('a URL that is not Redis is an input error naming the option and the value', () => {
    for (const [url, message] of [
      ['127.0.0.1:6379', 'expected a Redis URL'],
      ['http://127.0.0.1:6379', 'expected a redis:// or rediss:// URL'],
      ['redis://127.0.0.1/queue', 'the path must be a database number'],
    ] as const) {
      let error: unknown;
      try {
        redisConnection(url, '--queue');
      } catch (e) {
        error = e;
      }
      expect(isInputError(error), url).toBe(true);
      expect((error as Error).message).toContain(`--queue: got ${JSON.stringify(url)}`);
      expect((error as Error).message).toContain(message);
    }
  });
});

describe('jobData', () => {
  it('carries what a worker on another machine needs, and the version that hashed the cell', () => {
    const task = {
      name: 'kd-s0',
      hash: 'ab'.repeat(32),
      config: '/s/cells/kd-s0.json',
      runDir: '/s/runs/kd-s0',
      log: '/s/logs/kd-s0.log',
      threads: 1,
      action: 'resume' as const,
    };
    expect(jobData(task, '0.1.0')).toEqual({
      name: 'kd-s0',
      hash: task.hash,
      config: task.config,
      runDir: task.runDir,
      log: task.log,
      threads: 1,
      kdVersion: '0.1.0',
    });
  });
});
