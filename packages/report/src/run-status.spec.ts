import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRun } from './run-data.js';
import { renderRunReport } from './run-report.js';
import { renderComparison } from './comparison-report.js';
import { writeBenchReport, writeRunReport } from './write-report.js';
import { EPOCHS, tempDir, writeFixtureRun } from '../test/fixture-run.js';

/** The fixture run, its summary.json replaced by one core writes for a run that did not finish. */
function runWithSummary(dir: string, summary: Record<string, unknown>): string {
  writeFixtureRun(dir);
  const base = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'summary.json'), JSON.stringify({ ...base, warnings: [], ...summary }));
  return dir;
}

const DIVERGED = {
  status: 'failed',
  failure: { kind: 'diverged', message: 'the loss became NaN <at step 5>', stage: 'train', epoch: 3, step: 5 },
  // The last evaluation before the failure: epoch 2's.
  final: EPOCHS[1]!.metrics,
};

/** The text of a section: from its id to the end of the section. */
const sectionOf = (html: string, id: string) =>
  html.slice(html.indexOf(`<section id="${id}">`), html.indexOf('</section>', html.indexOf(`<section id="${id}">`)));

describe('run status from summary.json', () => {
  it('kd report on a failed run (summary.json status failed) shows it failed, with its reason and place, not incomplete', () => {
    const dir = runWithSummary(join(tempDir(), 'run'), DIVERGED);
    // What `kd report <run-dir>` calls, with no failure passed in: the reason must come from the run directory.
    const html = readFileSync(writeRunReport(dir), 'utf8');
    expect(html).toContain('data-status="failed"');
    expect(html).not.toContain('data-status="incomplete"');
    expect(html).toContain(
      '<strong>The run failed</strong> (diverged, stage train, epoch 3, step 5): the loss became NaN &lt;at step 5&gt;',
    );
    expect(html).toContain('data-failure="diverged"');
  });

  it('shows a failed run’s metrics as the last evaluation before the failure, not as its result', () => {
    const html = renderRunReport(readRun(runWithSummary(join(tempDir(), 'run'), DIVERGED)));
    const final = sectionOf(html, 'final');
    expect(final).toContain('<h2>Last evaluation before the failure (not a result)</h2>');
    expect(final).toContain('not the result of the run');
    expect(html).not.toContain('<h2>Final metrics</h2>');
    // epoch 2's student.top1 (0.6), from summary.json final, not epoch 3's 0.75.
    expect(final).toMatch(/data-value="0.6" data-metric="student.top1"/);
  });

  it('shows an interrupted run with the command that resumes it', () => {
    const dir = runWithSummary(join(tempDir(), 'run'), {
      status: 'interrupted',
      failure: { kind: 'interrupted', message: 'stopped by SIGINT', stage: 'train', epoch: 2, step: 7 },
    });
    const run = readRun(dir);
    expect(run.status).toBe('interrupted');
    const html = renderRunReport(run);
    expect(html).toContain('data-status="interrupted"');
    expect(html).toContain('<strong>The run was interrupted</strong> (interrupted, stage train, epoch 2, step 7): stopped by SIGINT');
    expect(html).toContain(`<code>kd run --resume ${dir}</code>`);
    expect(html).toContain('<h2>Last evaluation before the interruption (not a final result)</h2>');
  });

  it('lists loss spikes in a warnings section near the top, with value, running median and their ratio', () => {
    const spike = {
      kind: 'loss-spike',
      message: 'loss 120 is 30× its running median 4',
      stage: 'train',
      epoch: 2,
      step: 11,
      value: 120,
      median: 4,
    };
    const dir = runWithSummary(join(tempDir(), 'run'), { status: 'finished', failure: null, warnings: [spike] });
    const html = renderRunReport(readRun(dir));
    const warnings = sectionOf(html, 'run-warnings');
    expect(warnings).toContain('<h2>Training warnings</h2>');
    expect(warnings).toContain(
      '<td>loss-spike</td><td>train</td><td class="num" data-value="2">2</td><td class="num" data-value="11">11</td><td class="num" data-value="120">120</td><td class="num" data-value="4">4</td><td class="num" data-value="30">30</td>',
    );
    expect(warnings).toContain('loss 120 is 30× its running median 4');
    expect(html.indexOf('id="run-warnings"')).toBeLessThan(html.indexOf('id="final"'));
    // A finished run with warnings is still finished, with its final metrics.
    expect(html).toContain('data-status="finished"');
    expect(html).toContain('<h2>Final metrics</h2>');
  });

  it('reads a summary.json without status (written before statuses) as finished, without a banner', () => {
    const run = readRun(writeFixtureRun(join(tempDir(), 'run')));
    expect(run.status).toBe('finished');
    expect(run.runWarnings).toEqual([]);
    const html = renderRunReport(run);
    expect(html).not.toContain('class="warning');
    expect(html).toContain('<h2>Final metrics</h2>');
  });

  it('takes the caller’s failure when no summary says the run failed, and summary.json’s reason when one does', () => {
    const bare = writeFixtureRun(join(tempDir(), 'run'), { finished: false });
    expect(readRun(bare, { failure: 'disk full' })).toMatchObject({ status: 'failed', failure: 'disk full' });
    // A summary that still says finished, from a run the caller saw fail afterwards.
    const late = writeFixtureRun(join(tempDir(), 'run'));
    expect(readRun(late, { failure: 'export failed' })).toMatchObject({ status: 'failed', failure: 'export failed' });
    const recorded = readRun(runWithSummary(join(tempDir(), 'run'), DIVERGED), { failure: 'kd: failed' });
    expect(recorded).toMatchObject({
      status: 'failed',
      failure: 'the loss became NaN <at step 5>',
      failureDetail: { kind: 'diverged', epoch: 3 },
    });
  });

  it('says which networks had non-finite outputs, and leaves all-zero nonFinite curves out of the charts', () => {
    const dir = runWithSummary(join(tempDir(), 'run'), {
      final: { 'student.top1': 0.3, 'student.nonFinite': 0.25, 'teacher.nonFinite': 0 },
    });
    const lines = EPOCHS.map((e) => JSON.stringify({ ...e, metrics: { ...e.metrics, 'teacher.nonFinite': 0 } }) + '\n');
    writeFileSync(join(dir, 'metrics.jsonl'), lines.join(''));
    const html = renderRunReport(readRun(dir));
    expect(html).toContain('<span data-metric="student.nonFinite">student.nonFinite = 0.25</span>');
    expect(html).not.toContain('teacher.nonFinite = ');
    expect(html).not.toContain('data-chart="metric:nonFinite"');
  });
});

describe('non-finite samples in a confusion matrix', () => {
  it('counts evaluator-accuracy’s nonFinitePerClass in a column of its own, in n and as misses in recall', () => {
    const dir = writeFixtureRun(join(tempDir(), 'run'));
    writeFileSync(
      join(dir, 'artifacts', 'accuracy.json'),
      JSON.stringify({
        evaluator: 'accuracy',
        student: {
          confusion: [
            [1, 1],
            [0, 2],
          ],
          nonFinitePerClass: [1, 0],
        },
      }),
    );
    const html = renderRunReport(readRun(dir));
    const table = html.slice(
      html.indexOf('data-source="artifacts/accuracy.json#student"'),
      html.indexOf('</figure>', html.indexOf('data-source="artifacts/accuracy.json#student"')),
    );
    expect(table).toContain('<th>non-finite</th>');
    expect(table).toContain('data-value="1" data-row="0" data-non-finite=""');
    // class 0: 1 right of 1 + 1 + 1 = 3; class 1: 2 of 2; overall 3 of 5.
    expect([...table.matchAll(/data-value="([^"]+)" data-recall=""/g)].map((m) => Number(m[1]))).toEqual([1 / 3, 1]);
    expect(table).toContain('accuracy 0.6 over 5 examples');
  });
});

describe('unfinished runs in comparisons and benchmarks', () => {
  it('marks a failed run in a comparison and never makes its numbers the best', () => {
    const root = tempDir();
    const a = writeFixtureRun(join(root, 'a')); // finished, student.top1 0.75
    const b = runWithSummary(join(root, 'b'), { ...DIVERGED, final: { ...EPOCHS[2]!.metrics, 'student.top1': 0.8 } });
    const c = runWithSummary(join(root, 'c'), { final: { ...EPOCHS[2]!.metrics, 'student.top1': 0.7 } });
    const html = renderComparison([a, b, c].map((d) => readRun(d)));
    // The best finished run is a (0.75), although the failed b shows more (0.8).
    expect(html).toMatch(/<td class="num best" data-value="0.75" data-best="" data-metric="student.top1">/);
    expect(html).toMatch(/<td class="num not-final" data-value="0.8" data-status="failed" data-metric="student.top1">/);
    expect(html).toContain('<th>b (failed)</th>');
    expect(html).toContain('1 of 3 runs did not finish.');
    expect(html).toContain('<li data-status="failed">b: failed — the loss became NaN &lt;at step 5&gt;</li>');
    expect(html).toContain('data-label="b (failed)"');
  });

  it('marks a benchmark method with a failed seed and averages its curve over the finished runs only', () => {
    const root = tempDir();
    mkdirSync(join(root, 'runs'));
    writeFixtureRun(join(root, 'runs', 'kd-s0'));
    // Seed 1 failed after one epoch, at student top-1 0.1.
    const failed = runWithSummary(join(root, 'runs', 'kd-s1'), DIVERGED);
    writeFileSync(join(failed, 'metrics.jsonl'), JSON.stringify({ ...EPOCHS[0], metrics: { 'student.top1': 0.1 } }) + '\n');
    const stat = { mean: 0.425, std: 0.46, n: 2 };
    writeFileSync(
      join(root, 'kd.json'),
      JSON.stringify({ name: 'kd', seeds: 2, results: { kd: { last: stat, runs: [{ seed: 0 }, { seed: 1 }] } } }),
    );
    const html = readFileSync(writeBenchReport(join(root, 'kd.json')), 'utf8');
    expect(html).toContain('<td class="not-final" data-status="not-finished">kd ⚠</td>');
    expect(html).toContain('<td>s1 failed</td>');
    expect(html).toContain('kd seed 1: failed — the loss became NaN &lt;at step 5&gt;');
    // The curve is seed 0's alone: 0.4, 0.6, 0.75 (not the mean with seed 1's 0.1).
    const curve = html.slice(
      html.indexOf('data-series="kd (1 of 2 runs finished)"'),
      html.indexOf('</g>', html.indexOf('data-series="kd (1 of 2 runs finished)"')),
    );
    expect([...curve.matchAll(/data-y="([^"]+)"/g)].map((m) => Number(m[1]))).toEqual([0.4, 0.6, 0.75]);
  });
});
