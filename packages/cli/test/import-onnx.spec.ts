import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { Rng, type Network } from '@kd/core';
import { relErr, repoRoot, sourceImporter, strictAjv, tempDir } from '@kd/testing';
import { main } from '../src/main.js';
import { loadBackbonePlugin } from '../src/commands/backbone.js';
import { createRuntime } from '../src/runtime.js';
import { captureIo } from './helpers.js';
import { spawnKd } from './spawn-kd.js';

const fixtures = join(repoRoot, 'packages/backbone-onnx/fixtures');
const MODEL = join(fixtures, 'cnn.onnx');
const STAGES = '{"stage1":"layer1_out","stage2":"layer2_out"}';

interface Stored {
  readonly shape: number[];
  readonly data: string;
}

/** backbone-onnx's fixture: two test images (NHWC) and PyTorch's logits for them (make-fixtures.py). */
const expected = JSON.parse(readFileSync(join(fixtures, 'expected.json'), 'utf8')) as {
  input: Stored;
  cnn: { logits: Stored };
};
const values = (t: Stored): number[] => {
  const b = Buffer.from(t.data, 'base64');
  return Array.from({ length: b.length / 4 }, (_, i) => b.readFloatLE(i * 4));
};

/** The teacher kd builds from `weights` in a run: the onnx backbone under `teacher`. */
async function onnxTeacher(weights: string, stages: Record<string, string>): Promise<Network> {
  const rt = createRuntime(captureIo(), { importer: sourceImporter });
  const plugin = await loadBackbonePlugin(rt, 'onnx', 'test');
  // Options as a run gives them: validated against the plugin's schema, which fills in the defaults.
  const options: Record<string, unknown> = { name: 'onnx', stages, threads: 1 };
  expect(strictAjv().compile(plugin.manifest.optionsSchema)(options)).toBe(true);
  const net = (await plugin.create(options, {
    container: rt.container.createChildContainer(),
    baseDir: rt.root,
    numClasses: 10,
    inputShape: [28, 28, 1],
    rng: new Rng(0),
    scope: 'teacher',
  })) as Network;
  await net.loadWeights!(weights, '/teacher/weights');
  return net;
}

describe('kd import onnx', () => {
  const work = tempDir('kd-import-onnx-');
  const run = async (...args: string[]) => {
    const io = captureIo();
    const code = await main(['import', 'onnx', ...args], io, { importer: sourceImporter });
    return { code, io };
  };

  it('checks the model, writes a teacher directory with the model byte for byte, and reports parity with the reference logits', async () => {
    const ref = join(work, 'ref.json');
    writeFileSync(
      ref,
      JSON.stringify({
        layout: 'NHWC',
        input: { shape: expected.input.shape, data: values(expected.input) },
        logits: { shape: expected.cnn.logits.shape, data: values(expected.cnn.logits) },
      }),
    );
    const out = join(work, 'teacher');
    const { code, io } = await run(MODEL, out, '--stages', STAGES, '--reference', ref, '--json');
    expect(code, io.stderr).toBe(0);
    const report = JSON.parse(io.stdout);
    // The image size and the class count come from the model itself.
    expect(report).toMatchObject({ numClasses: 10, inputShape: [28, 28, 1], stages: { stage1: [14, 14, 8], stage2: [7, 7, 16] } });
    expect(report.parity).toMatchObject({ kind: 'reference', samples: 2, top1Agreement: 1 });
    expect(report.parity.maxRelError).toBeLessThan(1e-4);
    expect(report.teacher).toEqual({ backbone: { name: 'onnx', stages: JSON.parse(STAGES) }, weights: out });
    expect(readdirSync(out).sort()).toEqual(['kd-onnx-teacher.json', 'model.onnx']);
    expect(readFileSync(join(out, 'model.onnx')).equals(readFileSync(MODEL))).toBe(true);
    // No temporary sibling is left behind.
    expect(readdirSync(work).filter((f) => f.includes('kd-import'))).toEqual([]);

    // The directory is what `teacher.weights` takes: the onnx backbone loads it and reproduces PyTorch's logits.
    const net = await onnxTeacher(out, JSON.parse(STAGES));
    try {
      const logits = tf.tidy(
        () =>
          net.apply(tf.tensor4d(values(expected.input), expected.input.shape as [number, number, number, number]), { training: false })
            .logits,
      );
      expect(relErr(logits.dataSync(), values(expected.cnn.logits))).toBeLessThan(1e-4);
      logits.dispose();
    } finally {
      net.dispose();
    }
  });

  it('without a reference, checks that a batch gives each image the logits it gets alone (a truly dynamic batch)', async () => {
    const { code, io } = await run(MODEL, join(work, 'plain'));
    expect(code, io.stderr).toBe(0);
    expect(io.stdout).toMatch(
      /batch consistency \(ONNX Runtime, a batch vs one image at a time\) on 8 inputs: max abs error \S+, max rel error (\S+), top-1 agreement 100.00%/,
    );
    const rel = Number(/max rel error (\S+),/.exec(io.stdout)![1]);
    expect(rel).toBeLessThan(1e-5);
    expect(io.stdout).toContain('no --reference given');
  });

  it('a missing output, a wrong layout or a flag of another format is exit 2 naming it; nothing is written', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['--stages', '{"stage1":"nope"}'],
        /the model has no output "nope" \(\/teacher\/backbone\/stages\/stage1\); its outputs are "logits", "layer1_out", "layer2_out", "pooled"/,
      ],
      [['--logits', 'scores'], /the model has no output "scores"/],
      [
        ['--layout', 'NHWC', '--input', '28,28,1'],
        /input "input" is float32 \[batch, 1, 28, 28\]; expected float32 \[batch, 28, 28, 1\] \(NHWC/,
      ],
      [['--layout', 'NCWH'], /invalid options for the "onnx" backbone/],
      [['--names', 'map.json'], /--names does not apply to this format/],
      [['--num-classes', '100'], /expected \[1, 100\], the dataset's 100 classes/],
    ];
    for (const [flags, message] of cases) {
      const out = join(work, 'sub', 'never');
      const { code, io } = await run(MODEL, out, ...flags);
      expect(code, io.stdout).toBe(2);
      expect(io.stderr).toMatch(message);
      expect(existsSync(join(work, 'sub')), flags.join(' ')).toBe(false);
    }
  });

  it('as its own process: bytes that are not a model are exit 2 naming the file, and nothing is written', async () => {
    const bad = join(work, 'garbage.onnx');
    writeFileSync(bad, 'not a protobuf model'.repeat(40));
    const out = join(work, 'garbage-teacher');
    const { code, stderr } = await spawnKd(['import', 'onnx', bad, out]).exited;
    expect(code, stderr).toBe(2);
    expect(stderr).toContain(bad);
    expect(stderr).toMatch(/could not be opened by ONNX Runtime/);
    expect(existsSync(out)).toBe(false);
  });
});
