import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunEvents } from '@kd/core';
import { main } from '../src/main.js';
import { sourceImporter, tempDir, tinyConfig, writeConfig } from '@kd/testing';
import { captureIo } from './helpers.js';

type Line = { epoch: number; loss: Record<string, number>; metrics: Record<string, number> };
const metrics = (runDir: string): Line[] =>
  readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);

const chromium = [process.env['KD_CHROMIUM'], 'chromium', 'chromium-browser', 'google-chrome'].find(
  (b) => b && spawnSync(b, ['--version'], { stdio: 'ignore' }).status === 0,
);
// In CI (CI=true, as .ci/run sets it; or KD_REQUIRE_CHROMIUM=1) a missing browser is a failure, not a skip.
const chromiumRequired = process.env['CI'] === 'true' || process.env['CI'] === '1' || process.env['KD_REQUIRE_CHROMIUM'] === '1';
if (!chromium)
  console.warn(
    `kd report: ${chromiumRequired ? 'failing' : 'skipping'} the headless-browser checks: no chromium on PATH (apt-get install -y chromium, or set KD_CHROMIUM)`,
  );

interface Probe {
  status: string | null;
  charts: { id: string; series: { name: string; pathLength: number; ys: number[]; pys: number[] }[] }[];
  cells: { metric: string; value: string; text: string; height: number }[];
}

// Runs in the page: reads laid-out geometry and table text, which exist only if the browser rendered the report.
const PROBE = `<script>addEventListener('load', () => {
  const out = {
    status: document.querySelector('[data-status]')?.dataset.status ?? null,
    charts: [...document.querySelectorAll('svg.chart')].map((svg) => ({ id: svg.dataset.chart,
      series: [...svg.querySelectorAll('g.series')].map((g) => ({ name: g.dataset.series,
        pathLength: g.querySelector('path.line')?.getTotalLength() ?? 0,
        ys: [...g.querySelectorAll('circle.point')].map((c) => +c.dataset.y),
        pys: [...g.querySelectorAll('circle.point')].map((c) => c.getBoundingClientRect().y) })) })),
    cells: [...document.querySelectorAll('td[data-metric]')].map((td) => ({ metric: td.dataset.metric, value: td.dataset.value, text: td.textContent, height: td.getBoundingClientRect().height })),
  };
  const pre = document.createElement('pre'); pre.id = 'kd-probe'; pre.textContent = JSON.stringify(out); document.body.appendChild(pre);
});</script>`;

function probe(file: string): Probe {
  const html = readFileSync(file, 'utf8');
  expect(html).toContain("default-src 'none'");
  const copy = `${file}.probe.html`;
  writeFileSync(
    copy,
    html.replace("default-src 'none';", "default-src 'none'; script-src 'unsafe-inline';").replace('</body>', `${PROBE}</body>`),
  );
  const dom = execFileSync(
    chromium!,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--virtual-time-budget=10000',
      '--dump-dom',
      `file://${copy}`,
    ],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
      maxBuffer: 64 << 20,
    },
  );
  const m = /<pre id="kd-probe">([\s\S]*?)<\/pre>/.exec(dom);
  if (!m) throw new Error(`chromium did not render ${copy}`);
  return JSON.parse(m[1]!.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')) as Probe;
}

/** Page y of a point must be an affine, decreasing function of its value (log-scaled for the loss chart). */
function expectPlotted(series: Probe['charts'][number]['series'], log: boolean) {
  const pts = series.flatMap((s) => s.ys.map((y, i) => ({ v: log ? Math.log10(y) : y, py: s.pys[i]! })));
  const lo = pts.reduce((a, p) => (p.v < a.v ? p : a));
  const hi = pts.reduce((a, p) => (p.v > a.v ? p : a));
  const k = (hi.py - lo.py) / (hi.v - lo.v);
  expect(k).toBeLessThan(0);
  for (const p of pts) expect(Math.abs(lo.py + (p.v - lo.v) * k - p.py)).toBeLessThan(1);
}

const small = (dir: string, overrides: Record<string, unknown> = {}) =>
  tinyConfig(dir, {
    dataset: { name: 'idx', preset: 'fashion-mnist', source: 'bundled', trainLimit: 192, testLimit: 100 },
    ...overrides,
    training: { epochs: 2, batchSize: 32, seed: 7, optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 }, schedule: { type: 'cosine' } },
  });

describe('run reports from the CLI', () => {
  const work = tempDir('kd-report-');

  it.runIf(!chromium && chromiumRequired)('has headless Chromium: in CI the browser checks must run, not skip', () => {
    expect.fail(
      "CI=true requires the headless-browser checks, but there is no chromium on PATH (.ci/run installs Debian's chromium when /usr/bin/chromium is missing)",
    );
  });

  it('kd run writes report.html', async () => {
    const io = captureIo();
    expect(await main(['run', writeConfig(work, 'a.json', small('run-a'))], io, { importer: sourceImporter }), io.stderr).toBe(0);
    const runDir = join(work, 'run-a');
    expect(io.stderr).toContain(`kd: report: ${join(runDir, 'report.html')}`);
    expect(existsSync(join(runDir, 'report.html'))).toBe(true);
  });

  it.skipIf(!chromium)('the report.html of kd run renders the run’s numbers in Chromium: charts and tables', () => {
    const runDir = join(work, 'run-a');
    const p = probe(join(runDir, 'report.html'));
    const lines = metrics(runDir);
    expect(p.status).toBe('finished');
    const loss = p.charts.find((c) => c.id === 'loss')!;
    expect(loss.series.map((s) => s.name).sort()).toEqual(Object.keys(lines[0]!.loss).sort());
    for (const s of loss.series) {
      expect(s.ys).toEqual(lines.map((l) => l.loss[s.name]));
      expect(s.pathLength).toBeGreaterThan(50);
    }
    expectPlotted(loss.series, true);
    const top1 = p.charts.find((c) => c.id === 'metric:top1')!;
    expect(top1.series[0]!.ys).toEqual(lines.map((l) => l.metrics['student.top1']));
    expectPlotted(top1.series, false);
    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'));
    const cell = p.cells.find((c) => c.metric === 'student.top1')!;
    expect(Number(cell.value)).toBe(summary.final['student.top1']);
    expect(cell.text).toBe(String(Number(summary.final['student.top1'].toPrecision(4))));
    expect(cell.height).toBeGreaterThan(5);
  });

  it('reports a run that fails partway as failed, with the epochs it finished; resuming turns it into a finished report', async () => {
    const file = writeConfig(work, 'b.json', small('run-b'));
    const io = captureIo();
    const crash = {
      attach: (events: RunEvents) =>
        events.on('epochEnd', (e) => {
          if (e.epoch === 0) throw new Error('simulated crash <after epoch 1>');
        }),
    };
    expect(await main(['run', file], io, { importer: sourceImporter, ...crash })).toBe(1);
    const runDir = join(work, 'run-b');
    const html = readFileSync(join(runDir, 'report.html'), 'utf8');
    expect(html).toContain('data-status="failed"');
    expect(html).toContain('simulated crash &lt;after epoch 1&gt;');
    expect(metrics(runDir)).toHaveLength(1);
    // Kept for the browser check below: resuming rewrites report.html.
    copyFileSync(join(runDir, 'report.html'), join(work, 'run-b-failed-report.html'));
    writeFileSync(join(work, 'run-b-failed-metrics.jsonl'), readFileSync(join(runDir, 'metrics.jsonl')));
    const io2 = captureIo();
    expect(await main(['run', '--resume', runDir], io2, { importer: sourceImporter }), io2.stderr).toBe(0);
    expect(readFileSync(join(runDir, 'report.html'), 'utf8')).toContain('data-status="finished"');
  });

  it.skipIf(!chromium)('the report of the failed run renders the epoch it finished in Chromium', () => {
    const p = probe(join(work, 'run-b-failed-report.html'));
    expect(p.status).toBe('failed');
    const [line] = readFileSync(join(work, 'run-b-failed-metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Line);
    expect(p.charts.find((c) => c.id === 'loss')!.series[0]!.ys).toEqual([line!.loss['total']]);
  });

  it('keeps a run successful when its report cannot be written, with a warning', async () => {
    const runDir = join(work, 'run-c');
    // A directory where the report file should go (made once the run has ended) makes the final rename fail.
    const blockReport = {
      attach: (events: RunEvents) => events.on('runEnd', () => void mkdirSync(join(runDir, 'report.html'), { recursive: true })),
    };
    const io = captureIo();
    const cfg = small('run-c');
    cfg['training'] = { ...(cfg['training'] as object), seed: 8 };
    expect(await main(['run', writeConfig(work, 'c.json', cfg)], io, { importer: sourceImporter, ...blockReport }), io.stderr).toBe(0);
    expect(io.stderr).toContain("kd: warning: the run's results are intact, but report.html could not be written");
    expect(existsSync(join(runDir, 'summary.json'))).toBe(true);
  });

  it('kd report a b writes one comparison page with both runs’ curves and final metrics, and rewrites neither run', async () => {
    const before = readFileSync(join(work, 'run-a', 'report.html'));
    const io = captureIo(work);
    expect(await main(['report', 'run-a', 'run-c', '--out', 'cmp.html'], io)).toBe(0);
    expect(io.stdout).toContain(`report written: ${join(work, 'cmp.html')}`);
    expect(io.stdout.trim().split('\n')).toHaveLength(1);
    // The runs are inputs: their own pages stay as they were (run-c's "report.html" is even a directory).
    expect(readFileSync(join(work, 'run-a', 'report.html')).equals(before)).toBe(true);
    expect(io.stderr).toBe('');
  });

  it('kd report <run> --out f writes that run’s own report to f, leaving the run directory alone', async () => {
    const before = readFileSync(join(work, 'run-a', 'report.html'));
    const io = captureIo(work);
    expect(await main(['report', 'run-a', '--out', 'elsewhere/a.html'], io)).toBe(0);
    const page = readFileSync(join(work, 'elsewhere', 'a.html'), 'utf8');
    expect(page).toContain('data-status="finished"');
    // A run report (its config and provenance sections), not a one-run comparison.
    expect(page).toContain('Provenance');
    expect(readFileSync(join(work, 'run-a', 'report.html')).equals(before)).toBe(true);
  });

  it.skipIf(!chromium)('the comparison page renders both runs’ curves and final metrics in Chromium', () => {
    const p = probe(join(work, 'cmp.html'));
    const top1 = p.charts.find((c) => c.id === 'metric:student.top1')!;
    expect(top1.series.map((s) => s.name)).toEqual(['run-a', 'run-c']);
    expect(top1.series[0]!.ys).toEqual(metrics(join(work, 'run-a')).map((l) => l.metrics['student.top1']));
    expect(top1.series[1]!.ys).toEqual(metrics(join(work, 'run-c')).map((l) => l.metrics['student.top1']));
    expectPlotted(top1.series, false);
    const finals = ['run-a', 'run-c'].map((d) => JSON.parse(readFileSync(join(work, d, 'summary.json'), 'utf8')).final['student.top1']);
    expect(p.cells.filter((c) => c.metric === 'student.top1').map((c) => Number(c.value))).toEqual(finals);
  });

  it('kd report names a directory that is not a run', async () => {
    const io = captureIo(work);
    expect(await main(['report', 'nowhere'], io)).toBe(2);
    expect(io.stderr).toContain(`${join(work, 'nowhere')}: no such run directory`);
    expect(await main(['report'], captureIo(work))).toBe(2);
  });
});

describe('kd report on a benchmark aggregate', () => {
  it('writes name.html beside the aggregate', async () => {
    const dir = tempDir('kd-bench-report-');
    const stat = (v: number) => ({ mean: v, std: 0, n: 1, values: [v] });
    writeFileSync(
      join(dir, 'kd.json'),
      JSON.stringify({ name: 'kd', seeds: 1, results: { scratch: { last: stat(0.8) }, kd: { last: stat(0.83) } } }),
    );
    const io = captureIo(dir);
    expect(await main(['report', 'kd.json'], io), io.stderr).toBe(0);
    const html = readFileSync(join(dir, 'kd.html'), 'utf8');
    expect(html).toContain('80.00 ± 0.00');
    expect(html).toContain('data-label="kd" data-value="0.83"');
  });
});
