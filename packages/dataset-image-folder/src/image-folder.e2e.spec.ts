import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isInputError, registerPlugin, RunEvents } from '@kd/core';
import { KdRuntime } from '@kd/core/host';
import { register as registerCnn } from '@kd/backbone-cnn';
import { register } from './plugin.js';
import { encodeImage, smoothPattern, removeTempDirs, tempDir, writeFile } from '../test/image-tree.js';
import { labelCountPlugin } from '../test/label-count.evaluator.js';

/** A generated ImageNet-layout tree: 3 classes of 40×36 images, JPEG and PNG mixed; classes differ in hue. */
function writeTree(root: string): void {
  const classes = ['n01', 'n02', 'n03'];
  for (const [split, count] of [
    ['train', 16],
    ['val', 4],
  ] as const) {
    classes.forEach((name, c) => {
      for (let i = 0; i < count; i++) {
        const rgb = smoothPattern(i, 40, 36);
        // Class c brightens channel c, so the classes are learnable.
        for (let p = c; p < rgb.length; p += 3) rgb[p] = Math.min(255, rgb[p]! + 70);
        const kind = i % 2 ? 'jpeg' : 'png';
        writeFile(join(root, split, name, `${name}_${i}.${kind === 'jpeg' ? 'JPEG' : 'png'}`), encodeImage(kind, rgb, 40, 36));
      }
    });
  }
}

function runtime(): KdRuntime {
  const rt = new KdRuntime({ discover: false });
  register(rt.container);
  registerCnn(rt.container);
  registerPlugin(rt.container, labelCountPlugin);
  return rt;
}

describe('image-folder end to end', () => {
  const work = tempDir();
  writeTree(join(work, 'data'));

  const config = (out: string, dataset: Record<string, unknown> = {}) => ({
    specVersion: 1,
    backend: 'cpu',
    dataset: { name: 'image-folder', root: 'data', imageSize: 32, ...dataset },
    student: { backbone: { name: 'cnn', channels: [4, 8] } },
    evaluators: [{ name: 'label-count' }],
    training: { epochs: 2, batchSize: 8, seed: 3, optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 } },
    output: { dir: out },
  });

  it('trains a tiny cnn at 32×32 on a generated folder through KdRuntime, without leaking tensors', async () => {
    const file = join(work, 'run.json');
    writeFileSync(file, JSON.stringify(config('run', { workers: 1, prefetch: 1 })));
    const events = new RunEvents();
    const steps: number[] = [];
    events.on('stepEnd', (e) => void steps.push(e.step));
    const { runDir, summary } = await runtime().run(file, { events });
    const lines = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { memory: { numTensors: number }; metrics: Record<string, number>; loss: Record<string, number> });
    expect(lines).toHaveLength(2);
    // 48 training images, batch 8, drop last: 6 steps per epoch.
    expect(steps).toEqual([0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5]);
    expect(new Set(lines.map((l) => l.memory.numTensors)).size).toBe(1);
    // Every epoch evaluated the whole val/ folder (the "test" split), 4 images of each class, through the student.
    for (const l of lines) expect(l.metrics).toMatchObject({ images: 12, class0: 4, class1: 4, class2: 4 });
    expect(Number.isFinite(lines[1]!.loss['total'])).toBe(true);
    expect(summary).toBeTruthy();
    const saved = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8'));
    expect(saved.dataset).toMatchObject({ trainFolder: 'train', testFolder: 'val', prefetch: 1, workers: 1 });
  });

  it('an interrupted run resumed from its checkpoint ends with the weights of an uninterrupted one (workers 2 vs 0)', async () => {
    const whole = join(work, 'whole.json');
    writeFileSync(whole, JSON.stringify(config('whole')));
    await runtime().run(whole);
    const cut = join(work, 'cut.json');
    writeFileSync(cut, JSON.stringify(config('cut', { workers: 2 })));
    const events = new RunEvents();
    events.on('epochEnd', (e) => {
      if (e.epoch === 0) throw new Error('simulated crash after the first epoch');
    });
    await expect(runtime().run(cut, { events })).rejects.toThrow('simulated crash');
    await runtime().resume(join(work, 'cut'));
    // Same augmentation draws and order in the resumed epoch, whichever reader decoded them.
    expect(readFileSync(join(work, 'cut', 'final', 'network.bin'))).toEqual(readFileSync(join(work, 'whole', 'final', 'network.bin')));
  });

  it('is found by the @kd/<kind>-<name> convention from its package.json stub when a config names it', async () => {
    const file = join(work, 'convention.json');
    writeFileSync(file, JSON.stringify(config('convention')));
    const repoRoot = join(import.meta.dirname, '../../..');
    const rt = new KdRuntime({ root: repoRoot, discover: false, importer: (specifier) => import(/* @vite-ignore */ specifier) });
    registerCnn(rt.container);
    registerPlugin(rt.container, labelCountPlugin);
    const { config: validated } = await rt.validateFile(file);
    expect(validated.dataset).toMatchObject({ name: 'image-folder', root: 'data', trainFolder: 'train', prefetch: 2, workers: 0 });
    expect(rt.registry.find('dataset', 'image-folder')?.manifest.title).toBe('Image folder (ImageNet layout)');
  });

  it('rejects bad options before reading anything, with the JSON pointer', async () => {
    const file = join(work, 'bad.json');
    writeFileSync(file, JSON.stringify(config('bad', { prefetch: -1 })));
    const e = await runtime()
      .run(file)
      .catch((err: unknown) => err);
    expect(isInputError(e)).toBe(true);
    expect((e as Error).message).toContain('/dataset/prefetch');
  });
});

afterAll(removeTempDirs);
