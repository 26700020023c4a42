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
  /** The page's visible text (innerText). */
  text: string;
  charts: {
    id: string;
    width: number;
    height: number;
    series: { name: string; pathLength: number; points: ProbedPoint[] }[];
    bars: {
      label: string;
      value: number;
      height: number;
      /** Page y of the bar's rectangle's top and bottom edges. */
      top: number;
      bottom: number;
      /** Page y of the error bar's ends (smaller y is higher), when there is one. */
      error: { top: number; bottom: number } | null;
    }[];
    bins: { accuracy: number; height: number }[];
    /** The value axis's ticks: the value each labels and its page y. */
    ticks: { value: number; label: string; py: number }[];
    /** The broken-axis mark and its note, when the axis is broken. */
    axisBreak: { base: number; note: string; height: number } | null;
    /** Every text the chart shows, in document order. */
    texts: string[];
  }[];
  tables: {
    cls: string;
    /** The data-source of the figure around it (confusion matrices: file#key). */
    source?: string;
    rows: number;
    text: string[][];
    cells: { metric?: string; value: string; text: string; height: number }[];
  }[];
  images: { path: string; width: number; height: number }[];
  /** Grids of maps: their column labels and row scales as laid out (page coordinates). */
  heatMaps: {
    path: string;
    image: { x: number; y: number; width: number; height: number };
    columns: { text: string; cx: number; bottom: number; width: number }[];
    scales: { text: string; lo: number; hi: number; cy: number; height: number }[];
  }[];
  status: string | null;
}

// Runs in the page after load: reads the laid-out geometry, which only exists if the browser parsed and rendered it.
const PROBE = `<script>
window.addEventListener('load', () => {
  const box = (e) => e.getBoundingClientRect();
  const out = {
    title: document.title,
    text: document.body.innerText,
    status: document.querySelector('[data-status]')?.dataset.status ?? null,
    charts: [...document.querySelectorAll('svg.chart')].map((svg) => ({
      id: svg.dataset.chart, width: box(svg).width, height: box(svg).height,
      series: [...svg.querySelectorAll('g.series')].map((g) => ({
        name: g.dataset.series,
        pathLength: g.querySelector('path.line')?.getTotalLength() ?? 0,
        points: [...g.querySelectorAll('circle.point')].map((c) => ({ x: +c.dataset.x, y: +c.dataset.y, px: box(c).x + box(c).width / 2, py: box(c).y + box(c).height / 2 })),
      })),
      bars: [...svg.querySelectorAll('g.bar')].map((g) => {
        const r = box(g.querySelector('rect'));
        const e = g.querySelector('path.error');
        return { label: g.dataset.label, value: +g.dataset.value, height: r.height, top: r.y, bottom: r.y + r.height,
          error: e ? { top: box(e).y, bottom: box(e).y + box(e).height } : null };
      }),
      bins: [...svg.querySelectorAll('g.bin')].map((g) => ({ accuracy: +g.dataset.accuracy, height: box(g.querySelector('rect')).height })),
      ticks: [...svg.querySelectorAll('g.tick')].map((g) => ({ value: +g.dataset.value, label: g.querySelector('text').textContent, py: box(g.querySelector('line')).y })),
      axisBreak: (() => {
        const g = svg.querySelector('g.axis-break');
        return g ? { base: +g.dataset.base, note: g.querySelector('text').textContent, height: box(g.querySelector('path')).height } : null;
      })(),
      texts: [...svg.querySelectorAll('text')].map((t) => t.textContent),
    })),
    tables: [...document.querySelectorAll('table')].map((t) => ({
      cls: t.className, source: t.closest('figure')?.dataset.source, rows: t.rows.length, text: [...t.rows].map((r) => [...r.cells].map((c) => c.textContent)),
      cells: [...t.querySelectorAll('td[data-value]')].map((td) => ({ metric: td.dataset.metric, value: td.dataset.value, text: td.textContent, height: box(td).height })),
    })),
    images: [...document.images].map((i) => ({ path: i.dataset.path, width: i.naturalWidth, height: i.naturalHeight })),
    heatMaps: [...document.querySelectorAll('figure.heat-map')].map((f) => {
      const img = box(f.querySelector('img'));
      return {
        path: f.dataset.path,
        image: { x: img.x, y: img.y, width: img.width, height: img.height },
        columns: [...f.querySelectorAll('.hm-column')].map((c) => ({ text: c.textContent, cx: box(c).x + box(c).width / 2, bottom: box(c).y + box(c).height, width: box(c).width })),
        scales: [...f.querySelectorAll('.hm-scale')].map((s) => ({ text: s.textContent, lo: +s.dataset.lo, hi: +s.dataset.hi, cy: box(s).y + box(s).height / 2, height: box(s).height })),
      };
    }),
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
