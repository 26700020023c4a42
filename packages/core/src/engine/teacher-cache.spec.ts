import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { Network } from '../index.js';
import { TeacherCache } from './teacher-cache.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A linear teacher on 1×1×2 images: logits = x·W (3 classes), one feature, and a count of its forward passes. */
function teacher(w: number[]): Network & { calls: number } {
  const v = tf.variable(tf.tensor2d(w, [2, 3]));
  const net = {
    name: 'teacher',
    spec: { name: 'linear' },
    numClasses: 3,
    inputShape: [1, 1, 2] as const,
    calls: 0,
    apply(x: tf.Tensor4D) {
      net.calls++;
      const flat = tf.reshape(x, [x.shape[0], 2]) as tf.Tensor2D;
      const logits = tf.matMul(flat, v) as tf.Tensor2D;
      return { logits, embedding: flat, features: { stage1: tf.reshape(tf.relu(flat), [x.shape[0], 1, 1, 2]) } };
    },
    stateVariables: () => [{ name: 'w', variable: v }],
    dispose: () => v.dispose(),
  };
  return net as unknown as Network & { calls: number };
}

const files = (root: string): string[] =>
  readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));

describe('TeacherCache', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'kd-teacher-cache-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const x = () => tf.tensor4d([1, 2, 3, -4], [2, 1, 1, 2]);
  const logitsOf = (c: TeacherCache, t: Network) => tf.tidy(() => Array.from(c.forward(t, x()).logits.dataSync()));
  // x·W by hand for W = [[1, 0, 2], [0, 1, -1]]: [1, 2, 0] and [3, -4, 10].
  const expected = [1, 2, 0, 3, -4, 10];

  it('computes once, then serves the same values from disk; no tensor outlives the tidy', () => {
    const t = teacher([1, 0, 2, 0, 1, -1]);
    const cache = TeacherCache.open({ dir, maxBytes: 1 << 20, features: false }, t);
    const before = tf.memory().numTensors;
    expect(logitsOf(cache, t)).toEqual(expected);
    expect(t.calls).toBe(1);
    // A second process reads what the first wrote.
    const again = TeacherCache.open({ dir, maxBytes: 1 << 20, features: false }, t);
    expect(logitsOf(again, t)).toEqual(expected);
    expect(t.calls).toBe(1);
    expect(cache.stats).toMatchObject({ hits: 0, misses: 1, written: 1, rejected: 0 });
    expect(again.stats).toMatchObject({ hits: 1, misses: 0, written: 0 });
    expect(again.stats.bytes).toBe(readFileSync(files(dir)[0]!).byteLength);
    expect(tf.memory().numTensors).toBe(before);
    t.dispose();
  });

  it('keys entries by the teacher’s weights and the input bytes: another teacher or input misses', () => {
    const a = teacher([1, 0, 2, 0, 1, -1]);
    const b = teacher([1, 0, 2, 0, 1, -1.5]);
    logitsOf(TeacherCache.open({ dir, maxBytes: 1 << 20, features: false }, a), a);
    const other = TeacherCache.open({ dir, maxBytes: 1 << 20, features: false }, b);
    expect(logitsOf(other, b)).toEqual([1, 2, -1, 3, -4, 12]);
    expect(other.stats.hits).toBe(0);
    expect(readdirSync(dir)).toHaveLength(2);
    const c = TeacherCache.open({ dir, maxBytes: 1 << 20, features: false }, a);
    tf.tidy(() => void c.forward(a, tf.tensor4d([1, 2, 3, -4.5], [2, 1, 1, 2])));
    expect(c.stats).toMatchObject({ hits: 0, misses: 1 });
    [a, b].forEach((t) => t.dispose());
  });

  /** Where an entry for `input` lives: the key is the SHA-256 of the mode, the shape and the input bytes. */
  const entryFile = (input: number[]) => {
    const bytes = new Uint8Array(Float32Array.from(input).buffer);
    const key = createHash('sha256').update('logits:2x1x1x2\n').update(bytes).digest('hex');
    const [teacherDir] = readdirSync(dir);
    return join(dir, teacherDir!, key.slice(0, 2), `${key}.kdt`);
  };

  it.each([
    ['a flipped payload byte', (f: string) => flip(f, -3)],
    ['a flipped header byte', (f: string) => flip(f, 12)],
    ['a truncated entry', (f: string) => writeFileSync(f, readFileSync(f).subarray(0, 40))],
    ['an empty file', (f: string) => writeFileSync(f, '')],
    ['another input’s entry under this key', (f: string, other: string) => renameSync(other, f)],
  ])('detects %s, recomputes and rewrites it, never uses it', (_what, damage) => {
    const t = teacher([1, 0, 2, 0, 1, -1]);
    const cache = TeacherCache.open({ dir, maxBytes: 1 << 20, features: false }, t);
    logitsOf(cache, t);
    tf.tidy(() => void cache.forward(t, tf.tensor4d([0, 0, 0, 1], [2, 1, 1, 2])));
    expect(files(dir).sort()).toEqual([entryFile([1, 2, 3, -4]), entryFile([0, 0, 0, 1])].sort());
    damage(entryFile([1, 2, 3, -4]), entryFile([0, 0, 0, 1]));
    const fresh = TeacherCache.open({ dir, maxBytes: 1 << 20, features: false }, t);
    const calls = t.calls;
    expect(logitsOf(fresh, t)).toEqual(expected);
    expect(t.calls).toBe(calls + 1);
    expect(fresh.stats).toMatchObject({ hits: 0, rejected: 1, misses: 1, written: 1 });
    expect(logitsOf(TeacherCache.open({ dir, maxBytes: 1 << 20, features: false }, t), t)).toEqual(expected);
    expect(t.calls).toBe(calls + 1);
    t.dispose();
  });

  it('stays under maxBytes: past it outputs are computed and not stored', () => {
    const t = teacher([1, 0, 2, 0, 1, -1]);
    const cache = TeacherCache.open({ dir, maxBytes: 10, features: false }, t);
    expect(logitsOf(cache, t)).toEqual(expected);
    expect(cache.stats).toMatchObject({ written: 0, full: 1, bytes: 0 });
    expect(files(dir)).toEqual([]);
    t.dispose();
  });

  it('stores features only when asked; a logits-only output refuses to hand out features', () => {
    const t = teacher([1, 0, 2, 0, 1, -1]);
    const logitsOnly = TeacherCache.open({ dir, maxBytes: 1 << 20, features: false }, t);
    tf.tidy(() => {
      const out = logitsOnly.forward(t, x());
      expect(() => out.features['stage1']).toThrow(/teacher\.cache\.features/);
      expect(() => out.embedding).toThrow(/teacher\.cache\.features/);
    });
    const withFeatures = TeacherCache.open({ dir: join(dir, 'f'), maxBytes: 1 << 20, features: true }, t);
    tf.tidy(() => void withFeatures.forward(t, x()));
    const hit = TeacherCache.open({ dir: join(dir, 'f'), maxBytes: 1 << 20, features: true }, t);
    tf.tidy(() => {
      const out = hit.forward(t, x());
      expect(Array.from(out.features['stage1']!.dataSync())).toEqual([1, 2, 3, 0]);
      expect(out.features['stage1']!.shape).toEqual([2, 1, 1, 2]);
      expect(Array.from(out.embedding.dataSync())).toEqual([1, 2, 3, -4]);
    });
    expect(hit.stats.hits).toBe(1);
    t.dispose();
  });
});

function flip(file: string, at: number): void {
  const b = readFileSync(file);
  const i = at < 0 ? b.byteLength + at : at;
  b[i] = b[i]! ^ 0x40;
  writeFileSync(file, b);
}
