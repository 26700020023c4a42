import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend } from '@kd/core/host';
import { importPyTorchStateDict } from './import-state-dict.js';
import { readPyTorchStateDict } from './checkpoint-reader.js';
import { buildNetwork } from '../test/fixtures.js';
import { resnet32x4Checkpoint } from '../test/synthetic-zip.js';

describe('importing a full-width resnet32x4 (7.4 M parameters, 30 MB)', () => {
  it('takes under 2 s and puts PyTorch values where kd expects them', async () => {
    await selectBackend('wasm');
    const dir = mkdtempSync(join(tmpdir(), 'kd-import-pytorch-'));
    try {
      const file = join(dir, 'resnet32x4.pth');
      const { zip, storages } = resnet32x4Checkpoint();
      writeFileSync(file, zip);
      const net = buildNetwork({ name: 'resnet', variant: 'resnet32x4' }, 100, [32, 32, 3]);
      const started = performance.now();
      const report = importPyTorchStateDict(file, net);
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `resnet32x4: ${zip.length} bytes, ${report.values} values in ${report.variables} variables imported in ${seconds.toFixed(3)} s`,
      );
      expect(seconds).toBeLessThan(2);

      // Spot checks against the storages written: conv OIHW → HWIO, linear [out, in] → [in, out], BN running_var.
      const sd = readPyTorchStateDict(file);
      const at = (key: string, flat: number) => {
        const ref = sd.tensors.get(key)!;
        return storages.get(ref.storage.key)![ref.offset + flat]!;
      };
      const kd = new Map(net.stateVariables().map((v) => [v.name, v.variable.dataSync()]));
      // conv1.weight [32, 3, 3, 3]: element [o=5, i=2, y=1, x=0] is kd stem_conv/kernel [1, 0, 2, 5].
      expect(kd.get('stem_conv/kernel')![((1 * 3 + 0) * 3 + 2) * 32 + 5]).toBe(at('conv1.weight', ((5 * 3 + 2) * 3 + 1) * 3 + 0));
      // fc.weight [100, 256]: element [o=7, i=200] is kd classifier/kernel [200, 7].
      expect(kd.get('classifier/kernel')![200 * 100 + 7]).toBe(at('fc.weight', 7 * 256 + 200));
      expect(kd.get('stage3_block5_2_bn/moving_variance')![17]).toBe(at('layer3.4.bn2.running_var', 17));
      net.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
