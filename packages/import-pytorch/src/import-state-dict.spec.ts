import * as tf from '@tensorflow/tfjs-core';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNetwork } from '@kd/core';
import { selectBackend } from '@kd/core/host';
import { importPyTorchStateDict, importPyTorchTeacher } from './import-state-dict.js';
import { buildNetwork, fixturePath, readFixture, relativeError } from '../test/fixtures.js';

/** One model per supported family, written by fixtures/make-fixtures.py from PyTorch definitions of the zoo. */
const FAMILIES = [
  'resnet8',
  'resnet32x4',
  'wrn_16_2',
  'wrn_10_1_unaligned',
  'vgg8',
  'mobilenetv2_half',
  'shufflenetv1',
  'shufflenetv2',
  'cifar_resnet18',
  'resnet18',
  'cifar_resnet50',
  'resnet50',
];

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('importPyTorchStateDict: kd reproduces PyTorch on the imported weights (logits, embedding, every stage feature)', () => {
  const worst: Record<string, number> = {};
  afterAll(() => console.log(`max relative error per family: ${JSON.stringify(worst)}`));

  it.each(FAMILIES)('%s', (name) => {
    const { meta, tensor } = readFixture(name);
    const input = tensor('input');
    const [, c, h, w] = input.shape as [number, number, number, number];
    const net = buildNetwork(meta.backbone, meta.numClasses, [h, w, c]);
    const report = importPyTorchStateDict(fixturePath(meta.checkpoint), net);
    expect(report.format).toBe(meta.format);
    expect(report.wrapperKey ?? null).toBe(meta.wrapper);
    expect(report.variables).toBe(net.stateVariables().length);
    const x = tf.tidy(
      () => tf.transpose(tf.tensor4d(input.values, input.shape as [number, number, number, number]), [0, 2, 3, 1]) as tf.Tensor4D,
    );
    const out = net.apply(x, { training: false });
    // WRN's `stage3_relu` (the final BN + ReLU the classifier pools) is ReLU of the fixture's `stage3_preact`.
    const derived: Record<string, () => { shape: number[]; values: Float32Array }> = {
      stage3_relu: () => {
        const pre = tensor('stage3_preact');
        return { shape: pre.shape, values: pre.values.map((v) => Math.max(v, 0)) };
      },
    };
    const fromFixture = Object.keys(meta.tensors).filter((k) => k !== 'input');
    const expected = [...fromFixture, ...Object.keys(out.features).filter((k) => !fromFixture.includes(k) && k in derived)];
    expect([...Object.keys(out.features), 'embedding', 'logits'].sort()).toEqual(expected.sort());
    let max = 0;
    for (const k of expected) {
      const kd = k === 'logits' ? out.logits : k === 'embedding' ? out.embedding : out.features[k]!;
      const err = relativeError(kd, fromFixture.includes(k) ? tensor(k) : derived[k]!());
      expect(err, `${name} ${k}`).toBeLessThan(1e-4);
      max = Math.max(max, err);
    }
    worst[name] = Number(max.toPrecision(2));
    tf.dispose([x, out.logits, out.embedding, ...Object.values(out.features)]);
    net.dispose();
  });

  it('reads float32 storages that start at an unaligned byte offset (wrn_10_1_unaligned: every output was NaN)', () => {
    const { meta, tensor } = readFixture('wrn_10_1_unaligned');
    // The fixture script walked the pickles to find where the storages start; the element count precedes them.
    const start = meta.firstStorageByte!;
    expect(start % 4).not.toBe(0);
    const bytes = readFileSync(fixturePath(meta.checkpoint));
    expect(Number(bytes.readBigInt64LE(start - 8))).toBeGreaterThan(0);
    const net = buildNetwork(meta.backbone, meta.numClasses, [8, 8, 3]);
    importPyTorchStateDict(fixturePath(meta.checkpoint), net);
    for (const { name, variable } of net.stateVariables())
      expect(
        variable.dataSync().every((v) => Number.isFinite(v) && Math.abs(v) < 100),
        name,
      ).toBe(true);
    const input = tensor('input');
    const out = tf.tidy(
      () =>
        net.apply(tf.transpose(tf.tensor4d(input.values, input.shape as [number, number, number, number]), [0, 2, 3, 1]) as tf.Tensor4D, {
          training: false,
        }).logits,
    );
    expect(relativeError(out, tensor('logits'))).toBeLessThan(1e-4);
    out.dispose();
    net.dispose();
  });

  it('notes what a wrapper held besides the state dict (a numpy scalar read as a number, nothing executed)', () => {
    const { meta, tensor } = readFixture('resnet32x4');
    const [, c, h, w] = tensor('input').shape as number[];
    const net = buildNetwork(meta.backbone, meta.numClasses, [h!, w!, c!]);
    const report = importPyTorchStateDict(fixturePath('resnet32x4.pth'), net);
    expect(report.notes).toEqual(['ignored top-level entry best_acc: number 79.42', 'ignored top-level entry epoch: number 240']);
    expect(report.ignored.every((k) => k.endsWith('.num_batches_tracked'))).toBe(true);
    expect(report.ignored.length).toBeGreaterThan(0);
    net.dispose();
  });
});

describe('importPyTorchTeacher', () => {
  it('writes a kd network directory that loadNetwork (teacher.weights) reads back to the same values', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-import-pytorch-'));
    try {
      const { meta } = readFixture('resnet8');
      const a = buildNetwork(meta.backbone, meta.numClasses, [16, 16, 3]);
      const report = importPyTorchTeacher(fixturePath('resnet8.pth'), a, dir);
      expect(report.directory).toBe(join(dir, 'final'));
      expect(JSON.parse(readFileSync(join(dir, 'final', 'network.json'), 'utf8')).backbone).toEqual(a.spec);
      const b = buildNetwork(meta.backbone, meta.numClasses, [16, 16, 3]);
      loadNetwork(dir, b);
      const va = a.stateVariables();
      b.stateVariables().forEach(({ name, variable }, i) => {
        expect(name).toBe(va[i]!.name);
        expect(Array.from(variable.dataSync())).toEqual(Array.from(va[i]!.variable.dataSync()));
      });
      a.dispose();
      b.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes nothing when the import fails', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-import-pytorch-'));
    try {
      const net = buildNetwork({ name: 'resnet', variant: 'resnet14' }, 10, [16, 16, 3]);
      expect(() => importPyTorchTeacher(fixturePath('resnet8.pth'), net, dir)).toThrow(/does not match/);
      expect(existsSync(join(dir, 'final'))).toBe(false);
      net.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
