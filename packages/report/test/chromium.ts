import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Whether the browser checks must run: in CI (CI=true, which .ci/run sets; or KD_REQUIRE_CHROMIUM=1) a missing
 * Chromium fails the suite instead of skipping it, so that CI never passes with the rendering unchecked.
 */
export function chromiumRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env['CI'] === 'true' || env['CI'] === '1' || env['KD_REQUIRE_CHROMIUM'] === '1';
}

export const CHROMIUM_MISSING = 'no chromium on PATH (apt-get install -y chromium, or set KD_CHROMIUM to a Chromium/Chrome binary)';

/** Debian's chromium, or null (the browser tests then skip, saying why — or fail, where chromiumRequired()). */
export function findChromium(): string | null {
  for (const bin of [process.env['KD_CHROMIUM'], 'chromium', 'chromium-browser', 'google-chrome']) {
    if (!bin) continue;
    const r = spawnSync(bin, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    if (r.status === 0) return bin;
  }
  return null;
}

export interface ProbedPoint {
  x: number;
  y: number;
  px: number;
  py: number;
}
export interface Probe {
  title: string;
  charts: {
    id: string;
    width: number;
    height: number;
    series: { name: string; pathLength: number; points: ProbedPoint[] }[];
    bars: { label: string; value: number; height: number }[];
    bins: { accuracy: number; height: number }[];
  }[];
  tables: { cls: string; rows: number; text: string[][]; cells: { metric?: string; value: string; text: string; height: number }[] }[];
  images: { path: string; width: number; height: number }[];
  status: string | null;
}

// Runs in the page after load: reads the laid-out geometry, which only exists if the browser parsed and rendered it.
const PROBE = `<script>
window.addEventListener('load', () => {
  const box = (e) => e.getBoundingClientRect();
  const out = {
    title: document.title,
    status: document.querySelector('[data-status]')?.dataset.status ?? null,
    charts: [...document.querySelectorAll('svg.chart')].map((svg) => ({
      id: svg.dataset.chart, width: box(svg).width, height: box(svg).height,
      series: [...svg.querySelectorAll('g.series')].map((g) => ({
        name: g.dataset.series,
        pathLength: g.querySelector('path.line')?.getTotalLength() ?? 0,
        points: [...g.querySelectorAll('circle.point')].map((c) => ({ x: +c.dataset.x, y: +c.dataset.y, px: box(c).x + box(c).width / 2, py: box(c).y + box(c).height / 2 })),
      })),
      bars: [...svg.querySelectorAll('g.bar')].map((g) => ({ label: g.dataset.label, value: +g.dataset.value, height: box(g.querySelector('rect')).height })),
      bins: [...svg.querySelectorAll('g.bin')].map((g) => ({ accuracy: +g.dataset.accuracy, height: box(g.querySelector('rect')).height })),
    })),
    tables: [...document.querySelectorAll('table')].map((t) => ({
      cls: t.className, rows: t.rows.length, text: [...t.rows].map((r) => [...r.cells].map((c) => c.textContent)),
      cells: [...t.querySelectorAll('td[data-value]')].map((td) => ({ metric: td.dataset.metric, value: td.dataset.value, text: td.textContent, height: box(td).height })),
    })),
    images: [...document.images].map((i) => ({ path: i.dataset.path, width: i.naturalWidth, height: i.naturalHeight })),
  };
  const pre = document.createElement('pre');
  pre.id = 'kd-probe';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>`;

/**
 * Opens a report in headless Chromium and returns what the browser laid out. The report's own content policy stays
 * (no network, data: images only); the copy only also allows the probe's inline script.
 */
export function probeInChromium(chromium: string, htmlFile: string): Probe {
  const html = readFileSync(htmlFile, 'utf8');
  if (!html.includes("default-src 'none'")) throw new Error(`${htmlFile}: the report lost its content security policy`);
  const copy = htmlFile.replace(/\.html$/, '.probe.html');
  writeFileSync(
    copy,
    html.replace("default-src 'none';", "default-src 'none'; script-src 'unsafe-inline';").replace('</body>', `${PROBE}</body>`),
  );
  const dom = execFileSync(
    chromium,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--no-first-run',
      '--window-size=1280,1600',
      '--virtual-time-budget=10000',
      '--dump-dom',
      `file://${copy}`,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
  );
  const m = /<pre id="kd-probe">([\s\S]*?)<\/pre>/.exec(dom);
  if (!m) throw new Error(`chromium did not run the probe on ${copy}; dumped ${dom.length} characters`);
  return JSON.parse(
    m[1]!
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&nbsp;/g, '\u00a0')
      .replace(/&amp;/g, '&'),
  ) as Probe;
}

/**
 * Whether the plotted pixels are an affine image of the data, x and y separately (what a correct linear chart is):
 * returns the largest deviation in pixels from the line through the extreme points.
 */
export function affineError(points: readonly ProbedPoint[], axis: 'x' | 'y', log = false): number {
  const v = (p: ProbedPoint) => (log ? Math.log10(p[axis]) : p[axis]);
  const px = (p: ProbedPoint) => (axis === 'x' ? p.px : p.py);
  const sorted = [...points].sort((a, b) => v(a) - v(b));
  const a = sorted[0]!;
  const b = sorted[sorted.length - 1]!;
  if (v(a) === v(b)) return 0;
  const k = (px(b) - px(a)) / (v(b) - v(a));
  return Math.max(...points.map((p) => Math.abs(px(a) + (v(p) - v(a)) * k - px(p))));
}
