import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { PNG } from 'pngjs';
import { loadNetwork } from '@kd/core';
import { selectBackend } from '@kd/core/host';
import { DEFAULT_MAX_INFLATED_BYTES, loadIdxDataset } from '@kd/dataset-idx';
import { repoRoot, sourceImporter, tempDir, tinyConfig, writeConfig } from '@kd/testing';
import { main } from '../src/main.js';
import { captureIo } from './helpers.js';
import { networkLike } from './saved-network.js';
import { runKd } from './spawn-kd.js';

/** What the test reads of preprocessing.json (the CLI's own type lives in its source, which this spec does not import). */
interface Preprocessing {
  input: Record<string, unknown>;
  output: Record<string, unknown>;
  classNames: string[] | null;
  steps: Record<string, unknown>[];
  source: string;
}

const FASHION_MNIST_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** Serves `dir` over http (browsers refuse fetch() and module loads from file://). */
async function serve(dir: string): Promise<{ server: Server; url: string }> {
  const types: Record<string, string> = {
    '.html': 'text/html',
    '.js': 'text/javascript',
    '.json': 'application/json',
    '.png': 'image/png',
  };
  const server = createServer((req, res) => {
    const path = join(dir, normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
    if (!path.startsWith(dir) || !existsSync(path)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' }).end(readFileSync(path));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** The page's DOM after its scripts ran, from headless Chromium (run asynchronously: the same process serves the page). */
function dumpDom(chromium: string, url: string): Promise<string> {
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--virtual-time-budget=30000'];
  return new Promise((resolveDom, reject) => {
    const p = spawn(chromium, [...args, '--dump-dom', url], { stdio: ['ignore', 'pipe', 'ignore'] });
    let text = '';
    p.stdout.on('data', (d) => (text += d));
    p.on('error', reject);
    p.on('close', () => resolveDom(text));
  });
}

const unescape = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

describe('kd export: preprocessing.json and the example page', () => {
  const work = tempDir('kd-export-page-');
  const runDir = join(work, 'run');
  const out = join(work, 'exported');
  let exported: Awaited<ReturnType<typeof runKd>>;

  beforeAll(async () => {
    const cfg = tinyConfig('run', {
      training: { epochs: 1, batchSize: 32, seed: 3, optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 } },
    });
    (cfg['dataset'] as Record<string, unknown>)['trainLimit'] = 256;
    const io = captureIo();
    expect(await main(['run', writeConfig(work, 'cfg.json', cfg)], io, { importer: sourceImporter }), io.stderr).toBe(0);
    exported = await runKd(['export', runDir, out]);
  }, 180_000);

  it('a spawned kd export writes preprocessing.json with the dataset’s class names, input layout and normalisation', () => {
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toContain(join(out, 'preprocessing.json'));
    expect(exported.stdout).toContain('index.html');
    const pre = JSON.parse(readFileSync(join(out, 'preprocessing.json'), 'utf8')) as Preprocessing;
    // The file passes the schema written beside it, and the schema has teeth: a file without its steps fails it.
    const validate = new Ajv2020({ strict: true }).compile(JSON.parse(readFileSync(join(out, 'preprocessing.schema.json'), 'utf8')));
    expect(validate({ ...pre, steps: undefined })).toBe(false);
    expect(validate(pre), JSON.stringify(validate.errors)).toBe(true);
    // Fashion-MNIST's published values (pixel/255 statistics 0.2860 / 0.3530) and its ten class names.
    expect(pre.classNames).toEqual(FASHION_MNIST_NAMES);
    expect(pre.input).toEqual({ height: 28, width: 28, channels: 1, layout: 'NHWC', dtype: 'float32', color: 'grayscale' });
    expect(pre.output).toEqual({ kind: 'logits', numClasses: 10 });
    expect(pre.steps).toEqual([{ type: 'normalize', mean: [0.286], std: [0.353] }]);
    expect(pre.source).toContain('fashion-mnist');
    for (const f of ['index.html', 'classify.js', 'tfjs/tf-core.min.js', 'tfjs/tf-backend-cpu.min.js', 'tfjs/tf-layers.min.js'])
      expect(existsSync(join(out, f)), f).toBe(true);
    // Stock TensorFlow.js, the version kd trains with.
    expect(readFileSync(join(out, 'tfjs/tf-core.min.js'), 'utf8')).toContain(tf.version_core);
  });

  // As the report's browser tests: Chromium from PATH or KD_CHROMIUM; in CI (CI=true or KD_REQUIRE_CHROMIUM=1) its absence fails.
  const chromium = [process.env['KD_CHROMIUM'], 'chromium', 'chromium-browser', 'google-chrome'].find(
    (b) => b && spawnSync(b, ['--version'], { stdio: 'ignore' }).status === 0,
  );
  const chromiumRequired = process.env['CI'] === 'true' || process.env['CI'] === '1' || process.env['KD_REQUIRE_CHROMIUM'] === '1';
  it.runIf(chromiumRequired && !chromium)('has a Chromium to run the page in (required in CI)', () => {
    expect(chromium, 'no chromium on PATH (apt-get install -y chromium, or set KD_CHROMIUM)').toBeDefined();
  });

  it.skipIf(!chromium)(
    'the page, in headless Chromium, classifies a Fashion-MNIST test image as kd does',
    async () => {
      expect(exported.code, exported.stderr).toBe(0);
      // Test image and kd's own input for it, both from the dataset as the run read it.
      const dataset = await loadIdxDataset(
        { name: 'idx', preset: 'fashion-mnist', source: 'bundled', maxInflatedBytes: DEFAULT_MAX_INFLATED_BYTES },
        { baseDir: repoRoot },
      );
      await selectBackend('cpu');
      const { network } = await networkLike(runDir, 1, 10);
      loadNetwork(runDir, network);
      const n = 6;
      const batch = (await dataset.test.batches({ batchSize: n })[Symbol.asyncIterator]().next()).value!;
      const kdProbs = tf.tidy(() => tf.softmax(network.apply(batch.x, { training: false }).logits).arraySync() as number[][]);
      tf.dispose([batch.x, batch.y]);
      network.dispose();

      const { server, url } = await serve(out);
      try {
        const tops = new Set<number>();
        for (let i = 0; i < n; i++) {
          const png = new PNG({ width: 28, height: 28 });
          const pixels = dataset.test.data.pixels.subarray(i * 784, (i + 1) * 784);
          pixels.forEach((v, p) => png.data.set([v, v, v, 255], 4 * p));
          writeFileSync(join(out, `sample-${i}.png`), PNG.sync.write(png));
          // Chromium's virtual time does not wait for a slow network fetch on a loaded machine: a page still "ready"
          // (model or image not loaded yet) is asked again, up to three times.
          let dom = '';
          for (let attempt = 0; attempt < 3 && !/data-status="done"/.test(dom); attempt++)
            dom = await dumpDom(chromium!, `${url}/index.html?image=sample-${i}.png`);
          expect(/data-status="done"/.test(dom), dom.slice(0, 2000)).toBe(true);
          const result = JSON.parse(unescape(/<pre id="result"[^>]*>([^<]*)<\/pre>/.exec(dom)![1]!)) as {
            top: { index: number; name: string; probability: number }[];
          };
          const want = kdProbs[i]!;
          const kdTop = want.indexOf(Math.max(...want));
          expect(result.top[0]!.index).toBe(kdTop);
          expect(result.top[0]!.name).toBe(FASHION_MNIST_NAMES[kdTop]);
          // The page prepared the same input: the probabilities agree, not only the winner.
          for (const t of result.top) expect(Math.abs(t.probability - want[t.index]!)).toBeLessThan(1e-5);
          // And shows them: the top classes as list items with their percentages.
          expect(dom).toContain(`${FASHION_MNIST_NAMES[kdTop]} — ${(100 * want[kdTop]!).toFixed(1)}%`);
          tops.add(kdTop);
        }
        // Not a constant classifier.
        expect(tops.size).toBeGreaterThan(1);
      } finally {
        server.close();
      }
    },
    240_000,
  );
});
