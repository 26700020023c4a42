import { readFileSync } from 'node:fs';
import { zipSync, type Zippable } from 'fflate';
import { fixturePath } from './fixtures.js';

/**
 * A full-width resnet32x4 checkpoint as torch.save lays it out: PyTorch's own pickle of the state dict (written by
 * make-fixtures.py) and, in place of the 30 MB of trained values, deterministic pseudo-random float32 storages of
 * the sizes PyTorch wrote. `shorten` drops bytes from one storage (a corrupt archive).
 */
export function resnet32x4Checkpoint(shorten?: { key: string; bytes: number }): { zip: Uint8Array; storages: Map<string, Float32Array> } {
  const pkl = new Uint8Array(readFileSync(fixturePath('resnet32x4-full.data.pkl')));
  const sizes = JSON.parse(readFileSync(fixturePath('resnet32x4-full.storages.json'), 'utf8')) as Record<string, number>;
  const files: Zippable = { 'resnet32x4/data.pkl': pkl, 'resnet32x4/version': new TextEncoder().encode('3\n') };
  const storages = new Map<string, Float32Array>();
  let seed = 12345;
  for (const [key, size] of Object.entries(sizes)) {
    const values = new Float32Array(size / 4);
    for (let i = 0; i < values.length; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      values[i] = seed / 2 ** 32 - 0.5;
    }
    storages.set(key, values);
    const bytes = new Uint8Array(values.buffer);
    files[`resnet32x4/data/${key}`] = shorten?.key === key ? bytes.subarray(0, bytes.length - shorten.bytes) : bytes;
  }
  return { zip: zipSync(files, { level: 0 }), storages };
}
