import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, tempDir, tinyConfig, writeConfig } from '@kd/testing';
import { runKd } from './spawn-kd.js';

/**
 * Fake native bindings: packages named like tfjs-node(-gpu) in a folder on NODE_PATH, where kd's loader finds a
 * package the workspace does not have. A "working" one registers a backend named tensorflow on the one tfjs engine
 * (tfjs-core keeps it in a global, shared by its CommonJS and ES builds); a "broken" one fails as a real install
 * does when one of its dependencies is missing.
 */
function fakeBinding(root: string, pkg: string, body: string): void {
  const dir = join(root, 'node_modules', pkg);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: pkg, version: '4.22.0', main: 'index.js' }));
  writeFileSync(join(dir, 'index.js'), body);
}

const WORKING = `
const tf = require('@tensorflow/tfjs-core');
tf.registerBackend('tensorflow', () => ({ dispose() {}, numDataIds() { return 0; } }));
`;
const MISSING_DEPENDENCY = `require('@mapbox/node-pre-gyp-not-here');\n`;

async function doctor(root: string | undefined) {
  const env: Record<string, string> = root ? { NODE_PATH: [join(root, 'node_modules'), join(repoRoot, 'node_modules')].join(':') } : {};
  const r = await runKd(['doctor', '--json'], env);
  expect(r.code, r.stderr).toBe(0);
  const report = JSON.parse(r.stdout) as { backends: { backend: string; state: string; detail: string }[]; auto: string | null };
  const text = await runKd(['doctor'], env);
  expect(text.code, text.stderr).toBe(0);
  return { ...report, by: Object.fromEntries(report.backends.map((b) => [b.backend, b])), text: text.stdout };
}

// The machine the tests run on decides what a GPU binding that loads runs on.
const gpus = existsSync('/proc/driver/nvidia/gpus') ? readdirSync('/proc/driver/nvidia/gpus').length : 0;

describe('kd doctor', () => {
  it('without native bindings: both not installed, wasm working with its threads and oneDNN status, auto picks wasm', async () => {
    const d = await doctor(undefined);
    expect(d.backends.map((b) => b.backend)).toEqual(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', 'wasm', 'cpu']);
    expect(d.by['@tensorflow/tfjs-node']).toMatchObject({ state: 'not installed', detail: 'npm install @tensorflow/tfjs-node' });
    expect(d.by['@tensorflow/tfjs-node-gpu']!.state).toBe('not installed');
    expect(d.by['wasm']).toMatchObject({ state: 'working', threads: 1 });
    expect(d.by['cpu']!.state).toBe('working');
    expect(d.auto).toBe('wasm');
    expect(d.text).toMatch(/^ {2}@tensorflow\/tfjs-node {6}not installed: npm install @tensorflow\/tfjs-node$/m);
    expect(d.text).toContain('auto picks: wasm');
    expect(d.text).toMatch(/^threads: +1 \(wasm/m);
    expect(d.text).toMatch(/^oneDNN: +convolutions on (oneDNN|XNNPACK: oneDNN) \S/m);
  });

  it('tfjs-node installed but missing a dependency: "installed but broken" with the loader\'s error, not "not installed"', async () => {
    const root = tempDir('kd-fake-binding-');
    fakeBinding(root, '@tensorflow/tfjs-node', MISSING_DEPENDENCY);
    const d = await doctor(root);
    const node = d.by['@tensorflow/tfjs-node']!;
    expect(node.state).toBe('broken');
    expect(node.detail).toContain(join(root, 'node_modules/@tensorflow/tfjs-node/index.js'));
    expect(node.detail).toContain("Cannot find module '@mapbox/node-pre-gyp-not-here'");
    expect(d.by['@tensorflow/tfjs-node-gpu']!.state).toBe('not installed');
    expect(d.auto).toBe('wasm');
    expect(d.text).toContain('@tensorflow/tfjs-node      installed but broken: ');
  });

  it('tfjs-node installed and loading: working, and auto picks it', async () => {
    const root = tempDir('kd-fake-binding-');
    fakeBinding(root, '@tensorflow/tfjs-node', WORKING);
    const d = await doctor(root);
    expect(d.by['@tensorflow/tfjs-node']).toMatchObject({ state: 'working' });
    expect(d.by['@tensorflow/tfjs-node']!.detail).toContain('libtensorflow on the CPU');
    expect(d.auto).toBe('@tensorflow/tfjs-node');
  });

  it('tfjs-node-gpu loading on a machine without an NVIDIA GPU says that TensorFlow runs on the CPU', async () => {
    const root = tempDir('kd-fake-binding-');
    fakeBinding(root, '@tensorflow/tfjs-node-gpu', WORKING);
    const d = await doctor(root);
    const gpu = d.by['@tensorflow/tfjs-node-gpu']!;
    expect(gpu.state).toBe('working');
    if (gpus === 0)
      expect(gpu.detail).toContain('no NVIDIA GPU visible (/proc/driver/nvidia/gpus): TensorFlow runs every kernel on the CPU');
    else expect(gpu.detail).toContain(`CUDA on ${gpus} NVIDIA GPU`);
    expect(d.auto).toBe('@tensorflow/tfjs-node-gpu');
  });
});

describe('kd run with "backend": "auto"', () => {
  it('says that an installed tfjs-node failed to load, with its error, and what it fell back to', async () => {
    const root = tempDir('kd-fake-binding-');
    fakeBinding(root, '@tensorflow/tfjs-node', MISSING_DEPENDENCY);
    const file = writeConfig(root, 'auto.json', tinyConfig('run', { backend: 'auto' }, { epochs: 1, trainLimit: 64, testLimit: 32 }));
    const r = await runKd(['run', file], { NODE_PATH: join(root, 'node_modules') });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /kd: backend: wasm — default portable backend; .*\(tried: @tensorflow\/tfjs-node-gpu: not installed; @tensorflow\/tfjs-node: installed but failed to load: Cannot find module '@mapbox\/node-pre-gyp-not-here'/,
    );
  });
});
