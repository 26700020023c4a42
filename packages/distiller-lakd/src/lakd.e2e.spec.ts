import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { metricsLines, sourceRuntime, tempDir, tinyConfig, writeConfig } from '@kd/testing';

const config = (out: string, over: Record<string, unknown>) =>
  tinyConfig(out, over, { trainLimit: 256, testLimit: 128, epochs: 2, seed: 5 });

describe('lakd end to end through KdRuntime', () => {
  const work = tempDir('kd-lakd-');
  const write = (name: string, c: unknown) => writeConfig(work, name, c);

  beforeAll(async () => {
    await sourceRuntime().run(
      write(
        'teacher.json',
        config('teacher', {
          student: { backbone: { name: 'cnn', channels: [8, 16] } },
          training: { epochs: 1, batchSize: 32, seed: 1, optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 } },
        }),
      ),
    );
  }, 120_000);

  it('trains with local modules, logs each module’s terms, keeps numTensors constant and writes activation-map PNGs', async () => {
    const file = write(
      'lakd.json',
      config('lakd', {
        teacher: { backbone: { name: 'cnn', channels: [8, 16] }, weights: 'teacher' },
        distiller: { name: 'lakd', maps: { every: 1, images: 4 } },
      }),
    );
    await sourceRuntime().run(file);
    const lines = metricsLines(join(work, 'lakd'));
    expect(lines).toHaveLength(2);
    expect(Object.keys(lines[0]!.loss)).toEqual(expect.arrayContaining(['ce', 'm1.feature', 'm2.feature', 'm2.total', 'total']));
    // the default NDAM reading weights the feature loss; no separate attention term
    expect(Object.keys(lines[0]!.loss).filter((k) => k.endsWith('.attention'))).toEqual([]);
    expect(lines[1]!.memory.numTensors).toBe(lines[0]!.memory.numTensors);
    // LAKD owns its update; it hands the trainer the student's logits, so train top-1 is counted as for other methods
    for (const l of lines) expect(l.train?.top1).toSatisfy((v: number | undefined) => v !== undefined && v >= 0 && v <= 1);
    expect(lines[1]!.loss['m1.total']).toBeLessThan(lines[0]!.loss['m1.total']!);
    const maps = readdirSync(join(work, 'lakd', 'maps')).sort();
    expect(maps).toEqual(['epoch-001-module-1.png', 'epoch-001-module-2.png', 'epoch-002-module-1.png', 'epoch-002-module-2.png']);
    const png = PNG.sync.read(readFileSync(join(work, 'lakd', 'maps', maps[0]!)));
    // 4 images × (input, teacher, student, teacher on input, student on input) tiles of 48 px with 2 px gaps.
    expect([png.width, png.height]).toEqual([5 * 48 + 6 * 2, 4 * 48 + 5 * 2]);
    // Connectors (4→8 and 8→16 channels) are checkpointed as extra modules but not part of the final network.
    const final = JSON.parse(readFileSync(join(work, 'lakd', 'final', 'network.json'), 'utf8')) as Record<string, unknown>;
    expect(JSON.stringify(final)).not.toContain('lakd_connector');
  }, 180_000);

  it('rejects module groups that do not cover the stages, before touching the run directory', async () => {
    const file = write(
      'bad.json',
      config('bad', {
        teacher: { backbone: { name: 'cnn', channels: [8, 16] }, weights: 'teacher' },
        distiller: { name: 'lakd', modules: [['stage2'], ['stage1']] },
      }),
    );
    await expect(sourceRuntime().run(file)).rejects.toThrow(/\/distiller\/modules: .*expected consecutive groups .*\["stage1","stage2"\]/);
    expect(existsSync(join(work, 'bad'))).toBe(false);
  }, 60_000);

  it('asks for teacherStages when teacher and student have different numbers of stages', async () => {
    const file = write(
      'mismatch.json',
      config('mismatch', {
        teacher: { backbone: { name: 'cnn', channels: [8, 16] }, weights: 'teacher' },
        student: { backbone: { name: 'cnn', channels: [4] } },
        distiller: { name: 'lakd' },
      }),
    );
    await expect(sourceRuntime().run(file)).rejects.toThrow(/\/distiller\/teacherStages: the student has 1 stages/);
  }, 60_000);
});
