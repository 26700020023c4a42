import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadNetwork, Rng, saveNetwork } from '@kd/core';
import { loadLayersModelFromDir, selectBackend } from '@kd/core/host';
import { main } from '../src/main.js';
import { repoRoot, sourceImporter, tempDir, tinyConfig, writeConfig } from '@kd/testing';
import { captureIo } from './helpers.js';
import { networkLike } from './saved-network.js';

describe('kd export', () => {
  const work = tempDir('kd-export-');
  const runDir = join(work, 'run');

  beforeAll(async () => {
    const cfg = tinyConfig('run', {
      training: { epochs: 1, batchSize: 32, seed: 3, optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 }, schedule: { type: 'cosine' } },
    });
    (cfg['dataset'] as Record<string, unknown>)['trainLimit'] = 128;
    const io = captureIo();
    const code = await main(['run', writeConfig(work, 'cfg.json', cfg)], io, { importer: sourceImporter });
    expect(code, io.stderr).toBe(0);
  });

  it('writes model.json + weights.bin whose predictions equal the trained network’s logits', async () => {
    const out = join(work, 'exported');
    const io = captureIo();
    const code = await main(['export', runDir, out], io, { importer: sourceImporter });
    expect(code, io.stderr).toBe(0);
    expect(io.stdout).toContain(join(out, 'model.json'));
    expect(io.stdout).toContain(join(out, 'weights.bin'));
    const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(json.modelTopology).toBeTruthy();

    // The trained network, rebuilt from its saved spec and weights.
    const { network } = await networkLike(runDir, 99);
    loadNetwork(runDir, network);

    const model = await loadLayersModelFromDir(out);
    expect(model.inputs[0]!.shape).toEqual([null, 28, 28, 1]);
    const x = tf.randomUniform([5, 28, 28, 1], 0, 1, 'float32', 11) as tf.Tensor4D;
    const want = tf.tidy(() => network.apply(x, { training: false }).logits);
    const got = model.predict(x) as tf.Tensor;
    expect(got.shape).toEqual([5, 10]);
    const w = await want.data();
    const g = await got.data();
    const maxDiff = Math.max(...Array.from(w, (v, i) => Math.abs(v - g[i]!)));
    expect(maxDiff).toBeLessThan(1e-5);
    // Not a trivially constant model.
    expect(new Set(Array.from(w).map((v) => v.toFixed(4))).size).toBeGreaterThan(1);
    tf.dispose([x, want, got]);
    model.dispose();
    network.dispose();
  });

  const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

  it.skipIf(!chromium)(
    'loads in headless Chromium with the tfjs browser bundles (no Node bindings) and predicts the same logits',
    async () => {
      const out = join(work, 'exported-browser');
      expect(await main(['export', runDir, out], captureIo(), { importer: sourceImporter })).toBe(0);
      const input = Array.from({ length: 3 * 28 * 28 }, (_, i) => 0.5 + 0.5 * Math.sin(0.37 * i));
      const bundles: Record<string, string> = {
        '/tf-core.js': '@tensorflow/tfjs-core/dist/tf-core.min.js',
        '/tf-backend-cpu.js': '@tensorflow/tfjs-backend-cpu/dist/tf-backend-cpu.min.js',
        '/tf-layers.js': '@tensorflow/tfjs-layers/dist/tf-layers.min.js',
      };
      const page = `<!doctype html><pre id="out">pending</pre>
<script src="/tf-core.js"></script><script src="/tf-backend-cpu.js"></script><script src="/tf-layers.js"></script>
<script>
(async () => {
  await tf.setBackend('cpu');
  const model = await tf.loadLayersModel('/model/model.json');
  const y = model.predict(tf.tensor4d(${JSON.stringify(input)}, [3, 28, 28, 1]));
  document.getElementById('out').textContent = JSON.stringify(Array.from(await y.data()));
})().catch((e) => { document.getElementById('out').textContent = 'ERROR ' + e.message; });
</script>`;
      const server: Server = createServer((req, res) => {
        const url = req.url ?? '/';
        const file = bundles[url]
          ? join(repoRoot, 'node_modules', bundles[url]!)
          : url.startsWith('/model/')
            ? join(out, url.slice(7))
            : undefined;
        if (url === '/') {
          res.writeHead(200, { 'content-type': 'text/html' }).end(page);
        } else if (file && existsSync(file)) {
          res
            .writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'application/octet-stream' })
            .end(readFileSync(file));
        } else res.writeHead(404).end();
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        const port = (server.address() as AddressInfo).port;
        const args = [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--virtual-time-budget=20000',
          '--dump-dom',
          `http://127.0.0.1:${port}/`,
        ];
        // spawnSync would block the event loop that serves the page: run chromium asynchronously.
        const dom = await new Promise<string>((resolveDom, reject) => {
          const p = spawn(chromium!, args, { stdio: ['ignore', 'pipe', 'ignore'] });
          let text = '';
          p.stdout.on('data', (d) => (text += d));
          p.on('error', reject);
          p.on('close', () => resolveDom(text));
        });
        const shown = /<pre id="out">([^<]*)<\/pre>/.exec(dom)?.[1] ?? dom.slice(0, 300);
        expect(shown.startsWith('['), shown).toBe(true);
        const browser = JSON.parse(shown) as number[];
        const model = await loadLayersModelFromDir(out);
        const node = tf.tidy(() => (model.predict(tf.tensor4d(input, [3, 28, 28, 1])) as tf.Tensor).dataSync());
        model.dispose();
        expect(browser).toHaveLength(30);
        expect(Math.max(...browser.map((v, i) => Math.abs(v - node[i]!)))).toBeLessThan(1e-4);
      } finally {
        server.close();
      }
    },
    120_000,
  );

  it('serves as a teacher: teacher.weights may name an exported directory, and the teacher scores what the run scored', async () => {
    const out = join(work, 'exported-teacher');
    expect(await main(['export', runDir, out], captureIo(), { importer: sourceImporter })).toBe(0);
    const trained = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'));
    const cfg = tinyConfig('from-export', {
      teacher: { backbone: { name: 'cnn', channels: [4, 8] }, weights: 'exported-teacher' },
      distiller: { name: 'kd' },
      training: { epochs: 1, batchSize: 32, seed: 3, optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 } },
    });
    (cfg['dataset'] as Record<string, unknown>)['trainLimit'] = 64;
    const io = captureIo();
    expect(await main(['run', writeConfig(work, 'from-export.json', cfg)], io, { importer: sourceImporter }), io.stderr).toBe(0);
    const line = JSON.parse(
      readFileSync(join(work, 'from-export', 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')[0]!,
    );
    expect(line.metrics['teacher.top1']).toBe(trained.final['student.top1']);
    // Another architecture is refused with the weight that does not fit.
    const wrong = tinyConfig('wrong-teacher', {
      teacher: { backbone: { name: 'cnn', channels: [4, 16] }, weights: 'exported-teacher' },
      distiller: { name: 'kd' },
    });
    const io2 = captureIo();
    expect(await main(['run', writeConfig(work, 'wrong-teacher.json', wrong)], io2, { importer: sourceImporter })).toBe(2);
    expect(io2.stderr).toMatch(
      /\/teacher\/weights: .*model\.json: weight .* has shape \[3, 3, 4, 8\], the configured network expects \[3, 3, 4, 16\]/,
    );
  });

  it('exports a ShuffleNet (custom channel-slice layer): it loads after registerChannelSlice() and predicts the saved network’s logits', async () => {
    const { ShufflenetNetwork, registerChannelSlice } = await import('@kd/backbone-shufflenet');
    await selectBackend('cpu');
    const network = new ShufflenetNetwork(
      { name: 'shufflenet', variant: 'shufflenetv2' },
      { numClasses: 10, inputShape: [16, 16, 3], rng: new Rng(5), scope: 'student' },
    );
    const x = tf.randomNormal([3, 16, 16, 3], 0, 1, 'float32', 12) as tf.Tensor4D;
    // Running statistics off their initial values, so the export must carry them.
    tf.tidy(() => {
      network.apply(x, { training: true });
    });
    const fake = join(work, 'shufflenet-run');
    saveNetwork(join(fake, 'final'), network);
    const out = join(work, 'exported-shufflenet');
    const io = captureIo();
    expect(await main(['export', fake, out], io, { importer: sourceImporter }), io.stderr).toBe(0);
    // A network saved by hand has no run config, so no dataset to take the preprocessing from: said, not guessed.
    expect(io.stderr).toContain(`preprocessing.json and the example page not written: ${join(fake, 'config.json')} is missing`);
    expect(existsSync(join(out, 'preprocessing.json'))).toBe(false);
    expect(JSON.stringify(JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')).modelTopology)).toContain('"KdChannelSlice"');
    registerChannelSlice();
    const model = await loadLayersModelFromDir(out);
    const want = tf.tidy(() => Array.from(network.apply(x, { training: false }).logits.dataSync()));
    const got = tf.tidy(() => Array.from((model.predict(x) as tf.Tensor).dataSync()));
    expect(got).toHaveLength(30);
    expect(Math.max(...want.map((v, i) => Math.abs(v - got[i]!)))).toBeLessThan(1e-5);
    model.dispose();
    network.dispose();
    x.dispose();
  });

  it('prints a JSON report with --json', async () => {
    const out = join(work, 'exported-json');
    const io = captureIo();
    expect(await main(['export', runDir, out, '--json'], io, { importer: sourceImporter }), io.stderr).toBe(0);
    const r = JSON.parse(io.stdout);
    expect(r.backbone).toBe('cnn');
    expect(r.files.map((f: { path: string }) => f.path)).toEqual(
      [
        'model.json',
        'weights.bin',
        'preprocessing.json',
        'preprocessing.schema.json',
        'tfjs/tf-core.min.js',
        'tfjs/tf-backend-cpu.min.js',
        'tfjs/tf-layers.min.js',
        'classify.js',
        'index.html',
      ].map((f) => join(out, f)),
    );
    for (const f of r.files as { path: string; bytes: number }[]) expect(f.bytes).toBe(readFileSync(f.path).byteLength);
    expect(r.weightBytes).toBe(readFileSync(join(out, 'weights.bin')).byteLength);
  });

  it('exits 2 naming the missing file for a directory that is not a run', async () => {
    const io = captureIo();
    const out = join(work, 'nothing');
    expect(await main(['export', work, out], io, { importer: sourceImporter })).toBe(2);
    expect(io.stderr).toContain(join(work, 'final', 'network.json'));
    expect(existsSync(out)).toBe(false);
  });

  it('exports AEKT with serialOrder "kd->cls" with its serialisation layer: the model predicts student logits · W + b', async () => {
    const cfg = tinyConfig('aekt', {
      teacher: { backbone: { name: 'cnn', channels: [4, 8] }, weights: 'run' },
      distiller: { name: 'aekt', serialization: true, serialOrder: 'kd->cls' },
      training: { epochs: 1, batchSize: 32, seed: 4, optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 } },
    });
    (cfg['dataset'] as Record<string, unknown>)['trainLimit'] = 64;
    const io = captureIo();
    expect(await main(['run', writeConfig(work, 'aekt.json', cfg)], io, { importer: sourceImporter }), io.stderr).toBe(0);
    const aektDir = join(work, 'aekt');
    expect(JSON.parse(readFileSync(join(aektDir, 'final', 'network.json'), 'utf8')).head.name).toBe('serialization');
    const out = join(work, 'exported-aekt');
    const io2 = captureIo();
    expect(await main(['export', aektDir, out, '--json'], io2, { importer: sourceImporter }), io2.stderr).toBe(0);
    expect(JSON.parse(io2.stdout).head).toBe('serialization');
    expect(JSON.parse(readFileSync(join(out, 'preprocessing.json'), 'utf8')).output).toEqual({
      kind: 'logits',
      numClasses: 10,
      head: 'serialization',
    });

    // Expected from independent pieces: the trained student (network.bin) and the layer's matrix as the run wrote it.
    const ser = JSON.parse(readFileSync(join(aektDir, 'artifacts', 'aekt-serialization.json'), 'utf8')) as {
      weight: number[][];
      bias: number[];
    };
    // Trained off the identity, or the check could not tell the head from its absence.
    expect(Math.max(...ser.weight.flatMap((row, i) => row.map((v, j) => Math.abs(v - (i === j ? 1 : 0)))))).toBeGreaterThan(1e-4);
    const { saved, network } = await networkLike(aektDir, 98, 10);
    // loadNetwork refuses a network with a head (a teacher must not silently lose it): load network.bin directly.
    const { copyFileSync, mkdirSync, writeFileSync } = await import('node:fs');
    const bare = join(work, 'aekt-bare');
    mkdirSync(bare, { recursive: true });
    copyFileSync(join(aektDir, 'final', 'network.bin'), join(bare, 'network.bin'));
    writeFileSync(join(bare, 'network.json'), JSON.stringify({ ...saved, head: undefined }));
    loadNetwork(bare, network);
    const x = tf.randomUniform([4, 28, 28, 1], -1, 2, 'float32', 21) as tf.Tensor4D;
    const z = tf.tidy(() => network.apply(x, { training: false }).logits.arraySync() as number[][]);
    const want = z.map((row) => ser.bias.map((b, j) => b + row.reduce((a, v, i) => a + v * ser.weight[i]![j]!, 0)));
    const model = await loadLayersModelFromDir(out);
    const got = tf.tidy(() => (model.predict(x) as tf.Tensor).arraySync() as number[][]);
    const err = Math.max(...want.flatMap((row, i) => row.map((v, j) => Math.abs(v - got[i]![j]!) / Math.max(1, Math.abs(v)))));
    expect(err).toBeLessThan(1e-5);
    // Without the head the export would predict z itself: the difference is visible.
    expect(Math.max(...z.flatMap((row, i) => row.map((v, j) => Math.abs(v - got[i]![j]!))))).toBeGreaterThan(1e-3);
    model.dispose();
    network.dispose();
    x.dispose();
  });

  it('refuses a head it cannot express as a Dense layer (exit 2, naming what it holds)', async () => {
    const { cpSync, writeFileSync } = await import('node:fs');
    const fake = join(work, 'with-head');
    cpSync(runDir, fake, { recursive: true });
    const file = join(fake, 'final', 'network.json');
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...saved, head: { name: 'mystery', tensors: [] } }));
    const io = captureIo();
    expect(await main(['export', fake, join(work, 'head-out')], io, { importer: sourceImporter })).toBe(2);
    expect(io.stderr).toContain('the "mystery" head holds []; only a linear head');
    expect(existsSync(join(work, 'head-out'))).toBe(false);
  });

  it('needs two arguments', async () => {
    const io = captureIo();
    expect(await main(['export', runDir], io, { importer: sourceImporter })).toBe(2);
  });
});
