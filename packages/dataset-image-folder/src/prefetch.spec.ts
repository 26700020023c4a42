import { prefetch, prefetchStats } from './prefetch.js';

const tick = () => new Promise((r) => setTimeout(r, 2));

describe('prefetch', () => {
  it.each([0, 1, 3])('with ahead=%i yields every item in order and never holds more than max(1, ahead)', async (ahead) => {
    const stats = prefetchStats();
    const startedWhenConsumed: number[] = [];
    const out: number[] = [];
    const prepare = async (i: number) => {
      await tick();
      return i * 10;
    };
    for await (const v of prefetch(7, ahead, prepare, stats)) {
      startedWhenConsumed.push(stats.started);
      out.push(v);
      // A slow consumer: the producer gets every chance to run ahead.
      await tick();
      await tick();
    }
    expect(out).toEqual([0, 10, 20, 30, 40, 50, 60]);
    expect(stats.maxHeld).toBe(Math.max(1, ahead));
    expect(stats.held).toBe(0);
    // When item i is consumed, items up to i+ahead have been started, and none beyond.
    expect(startedWhenConsumed).toEqual(out.map((_, i) => Math.min(7, i + 1 + ahead)));
  });

  it('calls prepare synchronously in index order', async () => {
    const calls: number[] = [];
    for await (const _ of prefetch(5, 2, async (i) => void calls.push(i))) void _;
    expect(calls).toEqual([0, 1, 2, 3, 4]);
  });

  it('surfaces a failure when its item is reached, and an abandoned stream releases what it held', async () => {
    const stats = prefetchStats();
    const seen: number[] = [];
    const run = async () => {
      for await (const v of prefetch(5, 2, async (i) => (i === 3 ? Promise.reject(new Error('bad item 3')) : i), stats)) seen.push(v);
    };
    await expect(run()).rejects.toThrow('bad item 3');
    expect(seen).toEqual([0, 1, 2]);
    expect(stats.held).toBe(0);
    const s2 = prefetchStats();
    for await (const v of prefetch(10, 3, async (i) => i, s2)) if (v === 1) break;
    expect(s2.held).toBe(0);
    expect(s2.started).toBe(5);
  });
});
