import { main } from '../src/main.js';
import { sourceImporter } from '@kd/testing';
import { captureIo } from './helpers.js';

async function describeJson(args: string[]) {
  const io = captureIo();
  const code = await main(['describe', 'backbone', ...args, '--json'], io, { importer: sourceImporter });
  expect(code, io.stderr).toBe(0);
  return JSON.parse(io.stdout);
}

describe('kd describe backbone', () => {
  it('counts the parameters of a tiny CNN by hand and reports stage shapes', async () => {
    const d = await describeJson(['cnn', '--num-classes', '10', '--input', '28,28,1', '--options', '{"channels":[4,8]}']);
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

  it('prints a readable table without --json', async () => {
    const io = captureIo();
    const code = await main(['describe', 'backbone', 'cnn', '--num-classes', '10', '--input', '28,28,1', '--options', '{"channels":[4,8]}'], io, {
      importer: sourceImporter,
    });
    expect(code, io.stderr).toBe(0);
    expect(io.stdout).toContain('438 trainable');
    expect(io.stdout).toMatch(/stage1\s+\[14, 14, 4\]/);
    expect(io.stdout).toMatch(/stage2\s+\[7, 7, 8\]/);
    expect(io.stdout).toMatch(/logits\s+\[10\]/);
  });

  it('names the package to install for an unknown backbone (exit 2)', async () => {
    const io = captureIo();
    expect(await main(['describe', 'backbone', 'nosuchnet', '--num-classes', '10'], io, { importer: sourceImporter })).toBe(2);
    expect(io.stderr).toContain('npm install @kd/backbone-nosuchnet');
  });

  it('rejects options the plugin schema does not allow, and bad flags (exit 2)', async () => {
    const io = captureIo();
    expect(await main(['describe', 'backbone', 'cnn', '--num-classes', '10', '--options', '{"chanels":[4]}'], io, { importer: sourceImporter })).toBe(2);
    expect(io.stderr).toContain('chanels');
    const io2 = captureIo();
    expect(await main(['describe', 'backbone', 'cnn'], io2, { importer: sourceImporter })).toBe(2);
    expect(io2.stderr).toContain('--num-classes');
    const io3 = captureIo();
    expect(await main(['describe', 'backbone', 'cnn', '--num-classes', '10', '--input', '28,28'], io3, { importer: sourceImporter })).toBe(2);
    expect(io3.stderr).toContain('--input');
  });
});
