/** What a prefetching stream holds, for tests and diagnostics. */
export interface PrefetchStats {
  /** Items started and not yet handed to the consumer, now. */
  held: number;
  /** The largest `held` seen. */
  maxHeld: number;
  /** Items started so far. */
  started: number;
}

export function prefetchStats(): PrefetchStats {
  return { held: 0, maxHeld: 0, started: 0 };
}

/**
 * Yields `prepare(0) … prepare(count-1)` in order while keeping up to `ahead` of them in preparation beyond the
 * one the consumer holds, so decoding overlaps the consumer's work. `prepare` is called synchronously and in order,
 * which keeps random draws made there deterministic. At most max(1, ahead) items are ever held.
 */
export async function* prefetch<T>(
  count: number,
  ahead: number,
  prepare: (index: number) => Promise<T>,
  stats = prefetchStats(),
): AsyncGenerator<T> {
  const queue: Promise<T>[] = [];
  let next = 0;
  const fillTo = (n: number) => {
    while (next < count && queue.length < n) {
      const p = prepare(next++);
      // Rejections surface when the item is awaited; an abandoned stream must not raise unhandled rejections.
      p.catch(() => {});
      queue.push(p);
      stats.started++;
      stats.held++;
      stats.maxHeld = Math.max(stats.maxHeld, stats.held);
    }
  };
  try {
    fillTo(Math.max(1, ahead));
    while (queue.length) {
      const pending = queue.shift()!;
      let item: T;
      try {
        item = await pending;
      } finally {
        stats.held--;
      }
      fillTo(ahead);
      yield item;
      if (!queue.length) fillTo(1);
    }
  } finally {
    // Items still in preparation are dropped: they hold plain arrays, never tensors.
    stats.held -= queue.length;
    queue.length = 0;
  }
}
