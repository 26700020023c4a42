import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNativeBinding, visibleNvidiaGpus } from './native-binding.js';

describe('loadNativeBinding', () => {
  it('a package that does not resolve is "not installed"', async () => {
    expect(await loadNativeBinding('@tensorflow/tfjs-node-not-a-package')).toEqual({
      state: 'not installed',
      package: '@tensorflow/tfjs-node-not-a-package',
    });
  });

  it('a package that resolves but throws on import is "broken", with its first message line and path', async () => {
    // A file path resolves like an installed package's entry point, without touching node_modules.
    const dir = mkdtempSync(join(tmpdir(), 'kd-binding-'));
    const entry = join(dir, 'index.cjs');
    writeFileSync(entry, "throw new Error('libtensorflow.so.2: cannot open shared object file\\nmore detail');\n");
    expect(await loadNativeBinding(entry)).toEqual({
      state: 'broken',
      package: entry,
      path: entry,
      error: 'libtensorflow.so.2: cannot open shared object file',
    });
  });

  it('a package that loads is "loaded"', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-binding-'));
    const entry = join(dir, 'index.cjs');
    writeFileSync(entry, 'module.exports = {};\n');
    expect(await loadNativeBinding(entry)).toEqual({ state: 'loaded', package: entry, path: entry });
  });
});

describe('visibleNvidiaGpus', () => {
  it('counts the devices the driver lists, 0 without the driver', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-gpus-'));
    for (const bus of ['0000:17:00.0', '0000:65:00.0']) mkdirSync(join(dir, bus));
    expect(visibleNvidiaGpus(dir)).toBe(2);
    expect(visibleNvidiaGpus(join(dir, 'absent'))).toBe(0);
  });
});
