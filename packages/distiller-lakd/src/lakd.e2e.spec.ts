import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { KdRuntime, type ModuleImporter } from '@kd/core';

const repoRoot = resolve(import.meta.dirname, '../../..');
/** Imports plugin packages through vite, so the test runs their sources. */
const importer: ModuleImporter = (specifier) => import(/* @vite-ignore */ specifier);

function config(out: string, over: Record<string, unknown>): Record<string, unknown> {
  return {
    specVersion: 1,
    backend: 'wasm',
    dataset: { name: 'idx', preset: 'fashion-mnist', source: 'bundled', trainLimit: 256, testLimit: 128 },
    student: { backbone: { name: 'cnn', channels: [4, 8] } },
    evaluators: [{ name: 'accuracy' }],
    training: { epochs: 2, batchSize: 32, seed: 5, optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 }, schedule: { type: 'cosine' } },
    output: { dir: out },
    ...over,
  };
}

describe('lakd end to end through KdRuntime', () => {
  const work = mkdtempSync(join(tmpdir(), 'kd-lakd-'));
  const write = (name: string, c: unknown) => {
    const file = join(work, name);
    writeFileSync(file, JSON.stringify(c));
    return file;
  };
  const runtime = () => new KdRuntime({ root: repoRoot, importer });

  beforeAll(async () => {
    await runtime().run(write('teacher.json', config('teacher', { student: { backbone: { name: 'cnn', channels: [8, 16] } }, training: { epochs: 1, batchSize: 32, seed: 1, optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 } } })));
  }, 120_000);

  it('trains with local modules, logs each module’s terms, keeps numTensors constant and writes activation-map PNGs', async () => {
    const file = write(
      'lakd.json',
      config('lakd', {
        teacher: { backbone: { name: 'cnn', channels: [8, 16] }, weights: 'teacher' },
        distiller: { name: 'lakd', maps: { every: 1, images: 4 } },
      }),
    );
    await runtime().run(file);
    const lines = readFileSync(join(work, 'lakd', 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { loss: Record<string, number>; memory: { numTensors: number } });
    expect(lines).toHaveLength(2);
    expect(Object.keys(lines[0]!.loss)).toEqual(expect.arrayContaining(['ce', 'm1.feature', 'm1.attention', 'm2.feature', 'm2.total', 'total']));
    expect(lines[1]!.memory.numTensors).toBe(lines[0]!.memory.numTensors);
    expect(lines[1]!.loss['m1.total']).toBeLessThan(lines[0]!.loss['m1.total']!);
    const maps = readdirSync(join(work, 'lakd', 'maps')).sort();
    expect(maps).toEqual(['epoch-001-module-1.png', 'epoch-001-module-2.png', 'epoch-002-module-1.png', 'epoch-002-module-2.png']);
    const png = PNG.sync.read(readFileSync(join(work, 'lakd', 'maps', maps[0]!)));
    // 4 images × (input, teacher, student) tiles of 48 px with 2 px gaps.
    expect([png.width, png.height]).toEqual([3 * 48 + 4 * 2, 4 * 48 + 5 * 2]);
    // Connectors (4→8 and 8→16 channels) are checkpointed as extra modules but not part of the final network.
    const final = JSON.parse(readFileSync(join(work, 'lakd', 'final', 'network.json'), 'utf8')) as Record<string, unknown>;
    expect(JSON.stringify(final)).not.toContain('lakd_connector');
  }, 180_000);

  it('rejects module groups that do not cover the stages, before touching the run directory', async () => {
    const file = write(
      'bad.json',
      config('bad', { teacher: { backbone: { name: 'cnn', channels: [8, 16] }, weights: 'teacher' }, distiller: { name: 'lakd', modules: [['stage2'], ['stage1']] } }),
    );
    await expect(runtime().run(file)).rejects.toThrow(/\/distiller\/modules: .*expected consecutive groups .*\["stage1","stage2"\]/);
    expect(existsSync(join(work, 'bad'))).toBe(false);
  }, 60_000);

  it('asks for teacherStages when teacher and student have different numbers of stages', async () => {
    const file = write(
      'mismatch.json',
      config('mismatch', { teacher: { backbone: { name: 'cnn', channels: [8, 16] }, weights: 'teacher' }, student: { backbone: { name: 'cnn', channels: [4] } }, distiller: { name: 'lakd' } }),
    );
    await expect(runtime().run(file)).rejects.toThrow(/\/distiller\/teacherStages: the student has 1 stages/);
  }, 60_000);
});
