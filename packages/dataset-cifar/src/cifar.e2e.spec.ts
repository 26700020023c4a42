import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isInputError, RunEvents } from '@kd/core';
import { KdRuntime } from '@kd/core/host';
import { register as registerCnn } from '@kd/backbone-cnn';
import { register as registerIdx } from '@kd/dataset-idx';
import { register as registerAccuracy } from '@kd/evaluator-accuracy';
import { register } from './plugin.js';
import { cifarFiles, tempDir, writeFiles } from '../test/cifar-files.js';

function runtime(): KdRuntime {
  const rt = new KdRuntime({ discover: false });
  register(rt.container);
  registerIdx(rt.container);
  registerCnn(rt.container);
  registerAccuracy(rt.container);
  return rt;
}

type Line = { memory: { numTensors: number }; metrics: Record<string, number>; loss: Record<string, number> };

describe('cifar end to end', () => {
  const work = tempDir();
  // 5 × 40 training images, 40 test images, in the official folder layout.
  writeFiles(join(work, 'data', 'cifar-10-batches-bin'), cifarFiles('cifar10', 40, 40));

  const config = (out: string, dataset: Record<string, unknown>) => ({
    specVersion: 1,
    backend: 'cpu',
    dataset,
    student: { backbone: { name: 'cnn', channels: [4, 8] } },
    evaluators: [{ name: 'accuracy', topK: [1] }],
    training: { epochs: 1, batchSize: 20, seed: 3, optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 } },
    output: { dir: out },
  });

  async function run(name: string, dataset: Record<string, unknown>) {
    const file = join(work, `${name}.json`);
    writeFileSync(file, JSON.stringify(config(name, dataset)));
    const events = new RunEvents();
    const steps: number[] = [];
    events.on('stepEnd', (e) => void steps.push(e.step));
    const { runDir } = await runtime().run(file, { events });
    const lines = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Line);
    return {
      runDir,
      steps,
      lines,
      saved: JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')) as { dataset: Record<string, unknown> },
    };
  }

  it('1 epoch of a tiny cnn on a generated CIFAR-10 directory of 200 images through KdRuntime', async () => {
    const { steps, lines, saved } = await run('cifar', { name: 'cifar', variant: 'cifar10', dir: 'data' });
    // 200 images, batch 20: 10 steps.
    expect(steps).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(lines).toHaveLength(1);
    expect(Number.isFinite(lines[0]!.loss['total'])).toBe(true);
    expect(lines[0]!.metrics['student.top1']).toBeGreaterThanOrEqual(0);
    // Defaults applied and recorded.
    expect(saved.dataset).toMatchObject({ variant: 'cifar10', labels: 'fine', download: false });
    expect((saved.dataset['transforms'] as { type: string }[]).map((t) => t.type)).toEqual(['randomCrop', 'horizontalFlip', 'normalize']);
  });

  it('bad options are rejected with the JSON pointer before anything is read', async () => {
    const file = join(work, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify(config('bad', { name: 'cifar', variant: 'cifar10', dir: 'data', transforms: [{ type: 'randomCrop', padding: -1 }] })),
    );
    const e = await runtime()
      .run(file)
      .catch((err: unknown) => err);
    expect(isInputError(e)).toBe(true);
    expect((e as Error).message).toContain('/dataset/transforms/0');
    expect(existsSync(join(work, 'bad'))).toBe(false);
  });

  it('the same config trains on Fashion-MNIST by changing only the dataset section', async () => {
    const { steps, lines } = await run('fashion', { name: 'idx', source: 'bundled', trainLimit: 200, testLimit: 40 });
    expect(steps).toHaveLength(10);
    expect(lines).toHaveLength(1);
  });
});
