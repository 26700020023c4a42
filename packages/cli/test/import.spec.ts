import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadNetwork } from '@kd/core';
import { repoRoot, sourceImporter, tempDir } from '@kd/testing';
import { main } from '../src/main.js';
import { buildBackbone } from '../src/commands/backbone.js';
import { createRuntime } from '../src/runtime.js';
import { captureIo } from './helpers.js';

const fixtures = join(repoRoot, 'packages/import-pytorch/fixtures');

/** A parity reference as a user makes it in PyTorch: the fixture's inputs (NCHW) and PyTorch's logits for them. */
function referenceFromFixture(name: string): { shape: number[]; data: number[] }[] {
  const meta = JSON.parse(readFileSync(join(fixtures, `${name}.json`), 'utf8')) as {
    tensors: Record<string, { shape: number[]; offset: number }>;
  };
  const bin = readFileSync(join(fixtures, `${name}.bin`));
  const read = (key: string) => {
    const { shape, offset } = meta.tensors[key]!;
    const n = shape.reduce((a, d) => a * d, 1);
    return { shape, data: Array.from(new Float32Array(bin.buffer.slice(bin.byteOffset + offset, bin.byteOffset + offset + 4 * n))) };
  };
  return [read('input'), read('logits')];
}

describe('kd import pytorch', () => {
  const work = tempDir('kd-import-');
  const importArgs = (checkpoint: string, out: string, ...more: string[]) => [
    'import',
    'pytorch',
    join(fixtures, checkpoint),
    out,
    '--backbone',
    'resnet',
    '--options',
    '{"variant":"resnet8"}',
    '--num-classes',
    '10',
    ...more,
  ];
  const args = (out: string, ...more: string[]) => importArgs('resnet8.pth', out, '--input', '16,16,3', ...more);

  it('writes a teacher directory and reports parity with PyTorch on the reference inputs', async () => {
    const [input, logits] = referenceFromFixture('resnet8');
    const ref = join(work, 'ref.json');
    writeFileSync(ref, JSON.stringify({ layout: 'NCHW', input, logits }));
    const io = captureIo();
    const code = await main(args(join(work, 'teacher'), '--reference', ref, '--json'), io, { importer: sourceImporter });
    expect(code, io.stderr).toBe(0);
    const out = JSON.parse(io.stdout);
    expect(out.parity.samples).toBe(2);
    expect(out.parity.maxRelError).toBeLessThan(1e-4);
    expect(out.parity.top1Agreement).toBe(1);
    expect(existsSync(join(work, 'teacher', 'final', 'network.json'))).toBe(true);
    // kd loads it as it loads any teacher (what `teacher.weights` does in a run).
    const rt = createRuntime(captureIo(), { importer: sourceImporter });
    const net = await buildBackbone(rt, { name: 'resnet', options: { name: 'resnet', variant: 'resnet8' } }, 10, [16, 16, 3], 'test');
    try {
      loadNetwork(join(work, 'teacher'), net);
      const x = tf.tidy(() =>
        tf.transpose(tf.tensor4d(input!.data, input!.shape as [number, number, number, number]), [0, 2, 3, 1]),
      ) as tf.Tensor4D;
      const y = net.apply(x, { training: false }).logits;
      const got = y.dataSync();
      for (let i = 0; i < got.length; i++)
        expect(Math.abs(got[i]! - logits!.data[i]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(logits!.data[i]!)));
      tf.dispose([x, y]);
    } finally {
      net.dispose();
    }
  });

  it('a reference that does not fit the network is exit 2 naming its pointer; nothing is written', async () => {
    const ref = join(work, 'bad-ref.json');
    writeFileSync(
      ref,
      JSON.stringify({
        layout: 'NCHW',
        input: { shape: [1, 3, 8, 8], data: new Array(192).fill(0) },
        logits: { shape: [1, 10], data: new Array(10).fill(0) },
      }),
    );
    const io = captureIo();
    expect(await main(args(join(work, 'unused'), '--reference', ref), io, { importer: sourceImporter })).toBe(2);
    expect(io.stderr).toContain("/input/shape: [1,3,8,8] (NCHW) does not match the network's input [16, 16, 3]");
    expect(existsSync(join(work, 'unused'))).toBe(false);
  });

  it('a malicious checkpoint is refused (exit 2) naming the global; its payload never runs', async () => {
    const io = captureIo();
    const code = await main(importArgs('evil-os-system.pth', join(work, 'evil')), io, { importer: sourceImporter });
    expect(code).toBe(2);
    expect(io.stderr).toMatch(/refused global \S*system/);
    expect(io.stderr).not.toMatch(/^\s+at /m);
  });

  it('never writes into a non-empty directory', async () => {
    const out = join(work, 'occupied');
    mkdirSync(out);
    writeFileSync(join(out, 'mine.txt'), 'keep');
    const io = captureIo();
    expect(await main(args(out), io, { importer: sourceImporter })).toBe(2);
    expect(io.stderr).toContain('exists and is not an empty directory');
    expect(readFileSync(join(out, 'mine.txt'), 'utf8')).toBe('keep');
  });
});
