import { readFileSync, utimesSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { readRun } from './run-data.js';
import { renderRunReport } from './run-report.js';
import { recogniseArtifacts } from './artifact.js';
import { tryWriteRunReport, writeRunReport, writeComparisonReport, writeBenchReport } from './write-report.js';
import { escapeHtml } from './html.js';
import { niceTicks } from './scale.js';
import { CALIBRATION, CONFUSION, EPOCHS, EVIL, RECALL, tempDir, writeFixtureRun } from '../test/fixture-run.js';

const attr = (html: string, re: RegExp) => [...html.matchAll(re)].map((m) => m[1]!);

describe('run report', () => {
  const dir = writeFixtureRun(join(tempDir(), 'run'));
  const html = renderRunReport(readRun(dir));

  it('plots every loss term and metric of metrics.jsonl at its epoch', () => {
    const loss = html.slice(html.indexOf('data-chart="loss"'), html.indexOf('</svg>', html.indexOf('data-chart="loss"')));
    for (const term of ['total', 'ce', 'kd']) {
      const g = loss.slice(loss.indexOf(`data-series="${term}"`), loss.indexOf('</g>', loss.indexOf(`data-series="${term}"`)));
      expect(attr(g, /data-y="([^"]+)"/g).map(Number)).toEqual(EPOCHS.map((e) => e.loss[term as 'ce']));
      expect(attr(g, /data-x="([^"]+)"/g).map(Number)).toEqual([1, 2, 3]);
    }
    const top1 = html.slice(html.indexOf('data-chart="metric:top1"'), html.indexOf('</svg>', html.indexOf('data-chart="metric:top1"')));
    expect(attr(top1, /data-series="([^"]+)"/g)).toEqual(['agreement', 'student', 'teacher', 'student (train)']);
  });

  it('tabulates final teacher, student and agreement metrics with the student − teacher gap', () => {
    const final = html.slice(html.indexOf('class="final-metrics"'), html.indexOf('</table>', html.indexOf('class="final-metrics"')));
    expect(final).toContain('data-metric="student.top1"');
    expect(final).toMatch(/data-value="0.75" data-metric="student.top1"/);
    expect(final).toMatch(/data-value="0.9" data-metric="teacher.top1"/);
    expect(final).toMatch(/data-value="0.8" data-metric="agreement.top1"/);
    expect(Number(attr(final, /<td class="num" data-value="([^"]+)">-/g)[0])).toBeCloseTo(0.75 - 0.9, 12);
  });

  it('renders the confusion matrix with per-class recall computed from the counts', () => {
    const figure = html.slice(html.indexOf('data-source="artifacts/confusion-matrix.json#student"'));
    const cells = attr(figure.slice(0, figure.indexOf('</figure>')), /data-row="\d" data-col="\d" data-value="(\d+)"/g).map(Number);
    expect(cells).toEqual(CONFUSION.matrix.flat());
    expect(attr(figure.slice(0, figure.indexOf('</figure>')), /data-value="([^"]+)" data-recall=""/g).map(Number)).toEqual(RECALL);
    expect(html).toContain('&lt;b&gt;bird&lt;/b&gt;');
  });

  it('draws the reliability diagram from the calibration bins, skipping empty ones', () => {
    const bins = attr(html, /<g class="bin"[^>]*data-accuracy="([^"]+)"/g).map(Number);
    expect(bins).toEqual(CALIBRATION.bins.filter((b) => b.count > 0).map((b) => b.accuracy));
    // Bins without edges are equal-width over [0, 1]: the fourth of four is [0.75, 1).
    expect(html).toContain('data-lower="0.75" data-upper="1"');
    expect(html).toContain('ece 0.0625');
  });

  it('embeds PNG maps as data URIs that decode to the same pixels', () => {
    const uri = attr(html, /src="data:image\/png;base64,([^"]+)" alt="maps\/stage1\/epoch-3.png"/g);
    expect(uri).toHaveLength(1);
    expect(attr(html, /src="data:image\/png;base64,([^"]+)"/g)).toHaveLength(2);
    const decoded = PNG.sync.read(Buffer.from(uri[0]!, 'base64'));
    expect([decoded.width, decoded.height]).toEqual([4, 3]);
    expect(Buffer.from(decoded.data)).toEqual(PNG.sync.read(readFileSync(join(dir, 'maps', 'stage1', 'epoch-3.png'))).data);
  });

  it('escapes everything taken from configs and artefacts, and loads nothing from elsewhere', () => {
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain(escapeHtml(JSON.stringify(EVIL)).slice(1, -1));
    expect(html).toContain("default-src 'none'; img-src data:");
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('shows a failed run as failed with its error, and an unfinished one as incomplete', () => {
    const failed = renderRunReport(readRun(dir, { failure: 'loss became NaN <here>' }));
    expect(failed).toContain('data-status="failed"');
    expect(failed).toContain('loss became NaN &lt;here&gt;');
    const d2 = writeFixtureRun(join(tempDir(), 'run'), { finished: false, partialLastLine: true });
    const run = readRun(d2);
    expect(run.status).toBe('incomplete');
    expect(run.epochs).toHaveLength(3);
    expect(run.warnings.join('\n')).toMatch(/metrics\.jsonl:4: not JSON/);
    expect(renderRunReport(run)).toContain('Latest metrics');
  });

  it('leaves out artefacts older than the run (left over from an overwritten run)', () => {
    const d = writeFixtureRun(join(tempDir(), 'run'));
    const old = new Date(Date.now() - 3600_000);
    utimesSync(join(d, 'artifacts', 'calibration.json'), old, old);
    const run = readRun(d);
    expect(run.calibration).toHaveLength(0);
    expect(run.confusion.map((c) => c.source)).toEqual([
      'artifacts/accuracy.json#student',
      'artifacts/accuracy.json#teacher',
      'artifacts/confusion-matrix.json#student',
      'artifacts/unnamed.json',
    ]);
    expect(run.warnings.join('\n')).toContain('artifacts/calibration.json: older than this run');
  });

  it('names the directory when it is not a run', () => {
    expect(() => readRun('/nonexistent/kd-run')).toThrow('/nonexistent/kd-run: no such run directory');
    const empty = tempDir();
    expect(() => readRun(empty)).toThrow(`${empty}: not a kd run directory (no config.json)`);
    expect(tryWriteRunReport(empty)).toEqual({ error: `${empty}: not a kd run directory (no config.json)` });
  });

  it('writes report.html atomically, leaving no temporary file', () => {
    const file = writeRunReport(dir);
    expect(file).toBe(join(dir, 'report.html'));
    expect(readFileSync(file, 'utf8')).toMatch(/^<!DOCTYPE html>/);
    expect(readdirSync(dir).filter((f) => f.includes('tmp'))).toEqual([]);
  });
});

describe('artefact recognition', () => {
  it('finds matrices and bins at the top level, under keys and in per-epoch lists', () => {
    expect(recogniseArtifacts(CONFUSION, 'a.json').confusion.map((c) => c.label)).toEqual(['a']);
    // Names given once above the matrices (evaluator-accuracy) label each; a list of the wrong length does not.
    const inherited = recogniseArtifacts(
      {
        classNames: ['a', 'b'],
        student: {
          confusion: [
            [1, 0],
            [0, 1],
          ],
        },
      },
      'acc.json',
    );
    expect(inherited.confusion[0]!.classNames).toEqual(['a', 'b']);
    const wrong = recogniseArtifacts(
      {
        classNames: ['a', 'b', 'c'],
        student: {
          confusion: [
            [1, 0],
            [0, 1],
          ],
        },
      },
      'acc.json',
    );
    expect(wrong.confusion[0]!.classNames).toEqual(['0', '1']);
    const nested = recogniseArtifacts({ student: CONFUSION, teacher: { network: 'teacher', ...CONFUSION } }, 'cm.json');
    expect(nested.confusion.map((c) => [c.label, c.source])).toEqual([
      ['student', 'cm.json#student'],
      ['teacher', 'cm.json#teacher'],
    ]);
    const epochs = recogniseArtifacts({ epochs: [{ bins: [{ accuracy: 0, count: 1 }] }, CALIBRATION] }, 'c.json');
    expect(epochs.calibration).toHaveLength(1);
    expect(epochs.calibration[0]!.bins).toHaveLength(4);
  });

  it('reads the evaluators’ files at the run root (accuracy.json `confusion`, calibration.json `reliability` with null empty bins)', () => {
    const d = writeFixtureRun(join(tempDir(), 'run'));
    writeFileSync(
      join(d, 'accuracy.json'),
      JSON.stringify({
        evaluator: 'accuracy',
        epoch: 3,
        numClasses: 2,
        student: {
          top1: 0.75,
          perClass: [0.5, 1],
          support: [2, 2],
          confusion: [
            [1, 1],
            [0, 2],
          ],
        },
      }),
    );
    writeFileSync(
      join(d, 'calibration.json'),
      JSON.stringify({
        evaluator: 'calibration',
        bins: 2,
        student: {
          ece: 0.1,
          mce: 0.2,
          reliability: [
            { lower: 0, upper: 0.5, count: 0, confidence: null, accuracy: null },
            { lower: 0.5, upper: 1, count: 4, confidence: 0.8, accuracy: 0.75 },
          ],
        },
      }),
    );
    const run = readRun(d);
    const cm = run.confusion.find((c) => c.source === 'accuracy.json#student')!;
    expect(cm.matrix).toEqual([
      [1, 1],
      [0, 2],
    ]);
    expect(cm.classNames).toEqual(['0', '1']);
    const cal = run.calibration.find((c) => c.source === 'calibration.json#student')!;
    expect(cal.scalars).toEqual({ ece: 0.1, mce: 0.2 });
    expect(cal.bins.map((b) => b.count)).toEqual([0, 4]);
    const html = renderRunReport(run);
    expect(html).toContain('data-lower="0.5" data-upper="1" data-accuracy="0.75"');
    expect(html).not.toContain('data-lower="0" data-upper="0.5"');
  });

  it('embeds the newest images when there are more than maxImages', () => {
    const d = writeFixtureRun(join(tempDir(), 'run'));
    for (const e of [1, 2]) writeFileSync(join(d, 'maps', `epoch-00${e}.png`), readFileSync(join(d, 'maps', 'stage1', 'epoch-3.png')));
    const run = readRun(d, { maxImages: 2 });
    expect(run.images.map((i) => [i.path, i.data !== undefined])).toEqual([
      ['maps/epoch-001.png', false],
      ['maps/epoch-002.png', false],
      ['maps/epoch-003-module-1.png', true],
      ['maps/stage1/epoch-3.png', true],
    ]);
  });

  it('ignores non-square matrices and bins without accuracy', () => {
    expect(recogniseArtifacts({ matrix: [[1, 2]] }, 'x.json').confusion).toEqual([]);
    expect(recogniseArtifacts({ bins: [{ confidence: 0.5, count: 2 }] }, 'x.json').calibration).toEqual([]);
  });
});

describe('comparison and bench pages', () => {
  it('puts final metrics of several runs side by side, best in bold, and lists config differences', () => {
    const root = tempDir();
    const a = writeFixtureRun(join(root, 'a'));
    const b = writeFixtureRun(join(root, 'b'));
    const cfg = JSON.parse(readFileSync(join(b, 'config.json'), 'utf8'));
    cfg.distiller.temperature = 8;
    writeFileSync(join(b, 'config.json'), JSON.stringify(cfg));
    const s = JSON.parse(readFileSync(join(b, 'summary.json'), 'utf8'));
    s.final['student.top1'] = 0.8;
    writeFileSync(join(b, 'summary.json'), JSON.stringify(s));
    const out = writeComparisonReport([a, b], join(root, 'cmp.html'));
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/<td class="num best" data-value="0.8" data-best="" data-metric="student.top1">/);
    expect(html).toMatch(/<td class="num" data-value="0.75" data-metric="student.top1">/);
    const diff = html.slice(html.indexOf('class="config-diff"'), html.indexOf('</table>', html.indexOf('class="config-diff"')));
    expect(diff).toContain('/distiller/temperature</td><td>4</td><td>8</td>');
    expect(diff).not.toContain('/training/seed');
  });

  it('labels a run of a reconstructed method "reconstruction" (its provenance says so), and only such a run', () => {
    const root = tempDir();
    const plain = writeFixtureRun(join(root, 'plain'));
    const recon = writeFixtureRun(join(root, 'recon'));
    const p = JSON.parse(readFileSync(join(recon, 'provenance.json'), 'utf8'));
    p.reconstruction = { distiller: 'kd', what: 'a test' };
    writeFileSync(join(recon, 'provenance.json'), JSON.stringify(p));
    const html = (dir: string) => readFileSync(writeRunReport(dir), 'utf8');
    expect(html(recon)).toContain('kd (reconstruction)');
    expect(html(plain)).not.toContain('(reconstruction)');
    expect(readFileSync(writeComparisonReport([plain, recon], join(root, 'cmp.html')), 'utf8')).toContain('kd (reconstruction)');
  });

  it('renders a bench aggregate: mean ± std in percent and the deltas to scratch and KD', () => {
    const root = tempDir();
    const stat = (values: number[]) => {
      const mean = values.reduce((x, y) => x + y, 0) / values.length;
      return { mean, std: Math.sqrt(values.reduce((x, y) => x + (y - mean) ** 2, 0) / (values.length - 1)), n: values.length, values };
    };
    writeFileSync(
      join(root, 'kd.json'),
      JSON.stringify({
        name: 'kd',
        seeds: 2,
        teacher: { top1: 0.9 },
        results: {
          scratch: { last: stat([0.8, 0.82]) },
          kd: { last: stat([0.84, 0.86]) },
          dkd: { last: stat([0.86, 0.87]) },
          aekt: { last: stat([0.8, 0.81]), reconstruction: 'the adaptive target-class weighting' },
        },
      }),
    );
    const html = readFileSync(writeBenchReport(join(root, 'kd.json')), 'utf8');
    // By hand: scratch 81.00 ± 1.41 (std of {80, 82} = √2), kd 85.00 ± 1.41, Δ = 4 points.
    expect(html).toContain('81.00 ± 1.41');
    expect(html).toContain('85.00 ± 1.41');
    const delta = /<td class="num" data-value="([^"]+)">4<\/td>/.exec(html);
    expect(Number(delta?.[1])).toBeCloseTo(4, 10);
    // dkd 86.50: +5.5 points over scratch, +1.5 over kd.
    expect(html).toContain('Δ last vs KD (points)');
    expect(Number(/<td class="num" data-value="([^"]+)">5\.5<\/td>/.exec(html)?.[1])).toBeCloseTo(5.5, 10);
    expect(Number(/<td class="num" data-value="([^"]+)">1\.5<\/td>/.exec(html)?.[1])).toBeCloseTo(1.5, 10);
    expect(existsSync(join(root, 'kd.html'))).toBe(true);
    // A reconstructed method's row says so; the others do not.
    expect(html).toContain('<td>aekt (reconstruction)</td>');
    expect(html).not.toContain('dkd (reconstruction)');
    // No run directories, no statuses: nothing is marked unfinished.
    expect(html).not.toContain('runs not finished');
    expect(() => writeBenchReport(join(root, 'nope.json'))).toThrow(/nope\.json: not a readable JSON file/);
  });
});

describe('chart helpers', () => {
  it('picks 1-2-5 ticks covering the data', () => {
    expect(niceTicks(0.72, 0.87, 5)).toEqual([0.7, 0.75, 0.8, 0.85, 0.9]);
    expect(niceTicks(1, 10, 5)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(3, 3, 5)[0]).toBeLessThan(3);
  });
});
