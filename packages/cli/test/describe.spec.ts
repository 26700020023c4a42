import { main } from '../src/main.js';
import { sourceImporter } from '@kd/testing';
import { captureIo } from './helpers.js';

/** A two-stage CNN on 28×28×1 whose parameter count is derived by hand below. */
const TINY_CNN = ['cnn', '--num-classes', '10', '--input', '28,28,1', '--options', '{"channels":[4,8]}'];

async function describeJson(args: string[]) {
  const io = captureIo();
  const code = await main(['describe', 'backbone', ...args, '--json'], io, { importer: sourceImporter });
  expect(code, io.stderr).toBe(0);
  return JSON.parse(io.stdout);
}

describe('kd describe backbone', () => {
  it('counts the parameters of a tiny CNN by hand and reports stage shapes', async () => {
    const d = await describeJson(TINY_CNN);
    // conv kernels (no bias with batch norm) + BN γ, β + classifier kernel + bias
    expect(d.params).toBe(3 * 3 * 1 * 4 + 2 * 4 + 3 * 3 * 4 * 8 + 2 * 8 + 8 * 10 + 10);
    expect(d.params).toBe(438);
    expect(d.stages.map((s: { outputShape: number[] }) => s.outputShape)).toEqual([
      [14, 14, 4],
      [7, 7, 8],
    ]);
    expect(d.stages.map((s: { name: string }) => s.name)).toEqual(['stage1', 'stage2']);
    expect(d.features['logits']).toEqual([10]);
    expect(d.features['embedding']).toEqual([8]);
    expect(d.features['stage2']).toEqual([7, 7, 8]);
    // Defaults from the plugin's schema are applied.
    expect(d.options).toEqual({ name: 'cnn', channels: [4, 8], convsPerStage: 1, batchNorm: true, hidden: 0, head: 'gap' });
    expect(d.flops).toBeGreaterThan(0);
    expect(d.inputShape).toEqual([28, 28, 1]);
  });

  it('gives the reference parameter count of resnet20 on CIFAR-100', async () => {
    const d = await describeJson(['resnet', '--num-classes', '100', '--options', '{"variant":"resnet20"}']);
    expect(d.params).toBe(278_324);
    expect(d.inputShape).toEqual([32, 32, 3]);
    expect(d.features['logits']).toEqual([100]);
  });

  // One model of each zoo family on CIFAR-100 (the default 32×32×3 input): the reference parameter counts of the
  // backbone packages' test/param-counts.json, the FLOPs of their READMEs (MFLOP, one decimal) and the stage shapes of
  // the reference definitions, all written out here.
  // [backbone, options, parameters, MFLOPs, embedding width, stage output shapes as H×W×C]
  it.each([
    ['resnet', { variant: 'resnet8x4' }, 1_233_540, 354.1, 256, '32×32×64 16×16×128 8×8×256'],
    ['wrn', { depth: 40, widen: 2 }, 2_255_156, 655.2, 128, '32×32×32 16×16×64 8×8×128'],
    ['vgg', { variant: 'vgg8' }, 3_965_028, 192.4, 512, '16×16×128 8×8×256 4×4×512 4×4×512'],
    ['mobilenet', { variant: 'mobilenetv2_half' }, 812_836, 13.0, 1280, '16×16×12 8×8×16 4×4×48 2×2×160'],
    ['shufflenet', { variant: 'shufflenetv1' }, 949_258, 77.4, 960, '16×16×240 8×8×480 4×4×960'],
  ] as const)(
    'describes %s %o on CIFAR-100: reference parameters, README FLOPs, stage shapes',
    async (name, options, params, mflops, embedding, shapes) => {
      const stages = shapes.split(' ').map((s) => s.split('×').map(Number));
      const d = await describeJson([name, '--num-classes', '100', '--options', JSON.stringify(options)]);
      expect(d.backbone).toBe(name);
      expect(d.options).toMatchObject({ name, ...options });
      expect(d.inputShape).toEqual([32, 32, 3]);
      expect(d.params).toBe(params);
      expect(Math.round(d.flops / 1e5) / 10).toBe(mflops);
      expect(d.stages).toEqual(stages.map((outputShape, i) => ({ name: `stage${i + 1}`, outputShape })));
      // The stage features of the forward pass have the announced shapes.
      stages.forEach((shape, i) => expect(d.features[`stage${i + 1}`]).toEqual(shape));
      expect(d.features['embedding']).toEqual([embedding]);
      expect(d.features['logits']).toEqual([100]);
    },
  );

  it('prints a readable table without --json', async () => {
    const io = captureIo();
    const code = await main(['describe', 'backbone', ...TINY_CNN], io, { importer: sourceImporter });
    expect(code, io.stderr).toBe(0);
    expect(io.stdout).toContain('438 trainable');
    expect(io.stdout).toMatch(/stage1\s+\[14, 14, 4\]/);
    expect(io.stdout).toMatch(/stage2\s+\[7, 7, 8\]/);
    expect(io.stdout).toMatch(/logits\s+\[10\]/);
  });

  // An unknown backbone names the package to install; options the plugin schema does not allow and bad flags are named.
  it.each([
    [['nosuchnet', '--num-classes', '10'], 'npm install @kd/backbone-nosuchnet'],
    [['cnn', '--num-classes', '10', '--options', '{"chanels":[4]}'], 'chanels'],
    [['cnn'], '--num-classes'],
    [['cnn', '--num-classes', '10', '--input', '28,28'], '--input'],
  ])('exit 2 for describe backbone %j, naming %s', async (args, says) => {
    const io = captureIo();
    expect(await main(['describe', 'backbone', ...args], io, { importer: sourceImporter })).toBe(2);
    expect(io.stderr).toContain(says);
  });
});
