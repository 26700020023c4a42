import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  latestCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
  stableStringify,
  writeFileAtomic,
  type Network,
  type TrainableModule,
} from '@kd/core';

/** File beside the cached module that says what it was trained from (for people, not read back). */
export const FACTOR_CACHE_META = 'meta.json';

/** SHA-256 of a network's full state (names, shapes and float32 bytes of every state variable), as hex. */
export function networkStateHash(network: Network): string {
  const h = createHash('sha256');
  for (const { name, variable } of network.stateVariables()) {
    h.update(`${name}[${variable.shape.join(',')}]`);
    const data = variable.dataSync() as Float32Array;
    h.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return h.digest('hex');
}

/** Cache key of a trained teacher auto-encoder: the teacher's state hash plus everything that shaped the training. */
export function factorCacheKey(teacherHash: string, parts: Readonly<Record<string, unknown>>): string {
  return createHash('sha256')
    .update(stableStringify({ teacher: teacherHash, ...parts }))
    .digest('hex')
    .slice(0, 24);
}

/**
 * A directory of trained teacher auto-encoders, one sub-directory per key, each written as a kd checkpoint of that one
 * module (atomic, so an interrupted write leaves no half entry).
 */
export class FactorCache {
  constructor(readonly root: string) {}

  entry(key: string): string {
    return join(this.root, key);
  }

  has(key: string): boolean {
    return latestCheckpoint(this.entry(key)) !== undefined;
  }

  /** Loads the cached state into `module`; false when the key is not cached. */
  load(key: string, module: TrainableModule): boolean {
    const ck = latestCheckpoint(this.entry(key));
    if (!ck || !existsSync(ck)) return false;
    const loaded = loadCheckpoint(ck);
    try {
      loaded.restoreModules([module]);
    } finally {
      loaded.dispose();
    }
    return true;
  }

  save(key: string, module: TrainableModule, meta: Readonly<Record<string, unknown>>): void {
    const dir = this.entry(key);
    mkdirSync(dir, { recursive: true });
    saveCheckpoint(dir, { stageIndex: 0, stage: module.name, epochsDone: 0, metricsLines: 0, extra: { key } }, [module], null, 1);
    writeFileAtomic(join(dir, FACTOR_CACHE_META), `${JSON.stringify({ key, module: module.name, ...meta }, null, 1)}\n`);
  }
}
