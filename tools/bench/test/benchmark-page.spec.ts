import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderStudyPage } from '@kd/report';
import { benchmarkHtml, benchmarkMarkdown, readStudyResults } from '../src/benchmark-page.js';

const TEACHER = { name: 'cnn', channels: [32, 64], head: 'flatten', hidden: 128 };
const STUDENT = { name: 'cnn', channels: [8, 16], head: 'gap' };
const training = {
  epochs: 3,
  batchSize: 64,
  seed: 0,
  optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 5e-4, weightDecayOn: 'all' },
  schedule: { type: 'cosine' },
};

/** A finished cell's run directory with hand-chosen numbers: per-epoch top-1 `curve`, final = its last value. */
function run(dir: string, curve: number[], o: { sha?: string; reconstruction?: boolean; teacher?: boolean; seed: number }) {
  mkdirSync(dir, { recursive: true });
  const config = {
    dataset: { name: 'idx', preset: 'fashion-mnist', source: 'system' },
    ...(o.teacher === false ? {} : { teacher: { backbone: TEACHER, weights: '../teacher' } }),
    student: { backbone: STUDENT },
    training: { ...training, seed: o.seed },
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  writeFileSync(
    join(dir, 'provenance.json'),
    JSON.stringify({
      gitSha: o.sha ?? 'abc123',
      backend: { name: 'wasm', threads: 1 },
      node: 'v20.0.0',
      platform: 'linux-x64',
      baseDir: join(dir, '..', '..', 'cells'),
      ...(o.reconstruction ? { reconstruction: { distiller: 'aekt', what: 'x' } } : {}),
    }),
  );
  writeFileSync(
    join(dir, 'summary.json'),
    JSON.stringify({
      final: { 'student.top1': curve.at(-1) },
      studentParams: 1500,
      teacherParams: 420000,
      studentFlops: 600000,
      teacherFlops: 9000000,
    }),
  );
  writeFileSync(
    join(dir, 'metrics.jsonl'),
    curve.map((v, i) => JSON.stringify({ epoch: i + 1, metrics: { 'student.top1': v } })).join('\n'),
  );
}

describe('benchmark page', () => {
  const work = mkdtempSync(join(tmpdir(), 'kd-benchmark-page-'));
  const out = join(work, 'out');
  const runs = join(out, 'runs');
  // scratch: last 0.80, 0.82; kd: 0.84, 0.86; aekt (a reconstruction): 0.83 and one failed cell.
  run(join(runs, 'scratch-s0'), [0.7, 0.78, 0.8], { seed: 0, teacher: false });
  run(join(runs, 'scratch-s1'), [0.72, 0.8, 0.82], { seed: 1, teacher: false });
  run(join(runs, 'kd-s0'), [0.75, 0.82, 0.84], { seed: 0 });
  run(join(runs, 'kd-s1'), [0.77, 0.84, 0.86], { seed: 1 });
  run(join(runs, 'aekt-s0'), [0.7, 0.8, 0.83], { seed: 0, reconstruction: true });
  // The teacher the configs name (relative to the cells' directory): ../teacher from out/cells.
  mkdirSync(join(out, 'teacher'), { recursive: true });
  writeFileSync(join(out, 'teacher', 'summary.json'), JSON.stringify({ final: { 'student.top1': 0.91 } }));
  writeFileSync(
    join(out, 'teacher', 'config.json'),
    JSON.stringify({ student: { backbone: TEACHER }, training: { ...training, epochs: 10 } }),
  );
  const cell = (name: string, status: string, last?: number) => ({
    name,
    seed: Number(/-s(\d+)$/.exec(name)![1]),
    runDir: join(runs, name),
    status,
    last,
    reason: status === 'failed' ? 'diverged: NaN' : undefined,
  });
  const stat = (v: number[]) => {
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    return { mean, std: v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : 0, n: v.length };
  };
  const report = {
    format: 'kd-study-report',
    version: 1,
    metric: 'student.top1',
    compare: ['scratch', 'kd'],
    cells: [
      cell('scratch-s0', 'finished', 0.8),
      cell('scratch-s1', 'finished', 0.82),
      cell('kd-s0', 'finished', 0.84),
      cell('kd-s1', 'finished', 0.86),
      cell('aekt-s0', 'finished', 0.83),
      cell('aekt-s1', 'failed'),
    ],
    groups: [
      {
        group: 'scratch',
        base: 'methods/scratch.json',
        seeds: [0, 1],
        last: stat([0.8, 0.82]),
        seconds: { mean: 10 },
        cells: [0, 1],
        versus: { kd: { diff: -0.04, lo: -0.0661, hi: -0.0139, significant: true } },
      },
      {
        group: 'kd',
        base: 'methods/kd.json',
        seeds: [0, 1],
        last: stat([0.84, 0.86]),
        seconds: { mean: 20 },
        cells: [2, 3],
        versus: { scratch: { diff: 0.04, lo: 0.0139, hi: 0.0661, significant: true } },
      },
      {
        group: 'aekt',
        base: 'methods/aekt.json',
        seeds: [0],
        last: stat([0.83]),
        seconds: { mean: 21 },
        cells: [4, 5],
        versus: { scratch: null, kd: null },
      },
    ],
  };
  writeFileSync(join(out, 'report.json'), JSON.stringify(report));
  const studyFile = join(work, 'study.json');
  writeFileSync(studyFile, JSON.stringify({ base: [], seeds: [0, 1], compare: ['scratch', 'kd'], output: 'out' }));
  const page = benchmarkMarkdown(readStudyResults(studyFile), { relativeTo: work });

  it('states the protocol from the runs: data, both networks with their size ratio, recipe, epochs, seeds, commit, backend', () => {
    expect(page).toContain('the full Fashion-MNIST (Debian');
    expect(page).toContain('420.0 k parameters');
    expect(page).toContain('1.5 k parameters (teacher ÷ student 280.0×)');
    expect(page).toContain('(15.0×)');
    // Teacher 91 % against the scratch mean 81 %: 10 points.
    expect(page).toContain('91.00 % after 10 epochs');
    expect(page).toContain('the teacher leads it by 10.00 points');
    expect(page).toContain('SGD lr 0.05, momentum 0.9, weight decay 0.0005 on every parameter, batch 64, cosine schedule; epochs: 3');
    expect(page).toContain('**Seeds**: 0, 1 per row. **Commit**: `abc123` for every run.');
    expect(page).toContain('wasm, 1 thread(s); Node v20.0.0, linux-x64');
    // the marks' legend, with the size of the family Holm's adjustment is over when the report gives it
    expect(page).toContain('† where the difference stays significant after Holm’s adjustment for the other comparisons');
    writeFileSync(join(out, 'report.json'), JSON.stringify({ ...report, comparisons: 3 }));
    expect(benchmarkMarkdown(readStudyResults(studyFile), { relativeTo: work })).toContain('Holm’s adjustment for all 3 comparisons');
    writeFileSync(join(out, 'report.json'), JSON.stringify(report));
  });

  it('one row per group: scratch, kd, then by mean; Δ with its interval and a star; reconstructions labelled; unfinished cells listed', () => {
    const results = page.slice(page.indexOf('## Results'), page.indexOf('## What each row runs'));
    const rows = results.split('\n').filter((l) => /^\| (scratch|kd|aekt)/.test(l));
    expect(rows).toEqual([
      '| scratch | 81.00 ± 1.41 | — | −4.00 [−6.61, −1.39] * | 2/2 | 10 |',
      '| kd | 85.00 ± 1.41 | +4.00 [+1.39, +6.61] * | — | 2/2 | 20 |',
      '| aekt (reconstruction) | 83.00 | n/a (< 2 seeds) | n/a (< 2 seeds) | 1/2 | 21 |',
    ]);
    expect(page).toContain('## Not finished (1)\n\n- aekt-s1 (failed): diverged: NaN');
    expect(page).toContain('- **s/run**: wall-clock seconds per run');
    expect(page).toMatch(/> \*\*In progress: (\d+) of (\d+) runs finished\.\*\*/);
    const [, done, all] = /In progress: (\d+) of (\d+)/.exec(page)!;
    expect(Number(all) - Number(done)).toBe(1);
  });

  it('says what each row trains: the distiller section of its base config, and what the table can say', () => {
    mkdirSync(join(work, 'methods'), { recursive: true });
    writeFileSync(join(work, 'methods', 'kd.json'), JSON.stringify({ distiller: { name: 'kd', ceWeight: 0.1, temperature: 4 } }));
    writeFileSync(join(work, 'methods', 'scratch.json'), JSON.stringify({ student: {} }));
    const rows = benchmarkMarkdown(readStudyResults(studyFile), { relativeTo: work });
    expect(rows).toContain('| scratch | `methods/scratch.json` | none: the student from the labels alone |');
    expect(rows).toContain('| kd | `methods/kd.json` | `kd {ceWeight:0.1,temperature:4}` |');
    // a base config that is not there (moved since the study ran) is not guessed at
    expect(rows).toContain('| aekt | `methods/aekt.json` | — |');
    expect(rows).toContain('## Reading the table');
    expect(rows.indexOf('## Results')).toBeLessThan(rows.indexOf('## What each row runs'));
  });

  it('lists every run’s final top-1 by row and seed, the values the statistics come from', () => {
    const perSeed = page.slice(page.indexOf('## Per seed'));
    expect(perSeed).toContain('| row | seed 0 | seed 1 |');
    expect(perSeed).toContain('| scratch | 80.00 | 82.00 |');
    expect(perSeed).toContain('| kd | 84.00 | 86.00 |');
    // aekt-s1 failed without a run directory to say it diverged: not finished, not a value
    expect(perSeed).toContain('| aekt | 83.00 | — |');
  });

  it('the learning curve is the mean per epoch over the seeds', () => {
    // scratch: (70 + 72)/2 = 71, (78 + 80)/2 = 79, 81; kd: 76, 83, 85.
    expect(page).toContain('| epoch | scratch | kd |');
    expect(page).toContain('| 1 | 71.00 | 76.00 |');
    expect(page).toContain('| 2 | 79.00 | 83.00 |');
    expect(page).toContain('| 3 | 81.00 | 85.00 |');
  });

  describe('its HTML twin (docs/benchmarks.html)', () => {
    const html = benchmarkHtml(readStudyResults(studyFile), renderStudyPage, { relativeTo: work });
    const decode = (s: string) =>
      s
        .replace(/&#39;/g, "'")
        .replace(/&quot;/g, '"')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&');
    /** Visible text: inline tags dropped, other tags a space, entities decoded, whitespace folded. */
    const text = decode(
      html
        .replace(/<style>[\s\S]*?<\/style>/, '')
        .replace(/<\/?(code|strong|em|a)\b[^>]*>/g, '')
        .replace(/<[^>]+>/g, ' '),
    ).replace(/\s+/g, ' ');
    /** A Markdown line as it reads on the page: markup characters gone. */
    const plain = (line: string) =>
      line
        .replace(/^(#+|-|>)\s+/, '')
        .replace(/\*\*|`/g, '')
        .replace(/(^|[^*\w])\*([^*\s][^*]*)\*/g, '$1$2')
        .replace(/\[([^\]]+)\]\([^)]+\)/g, '$1')
        .trim();

    it('says everything the Markdown says: protocol, data, epochs, seeds, commit, backend, notes', () => {
      for (const line of page.split('\n')) {
        if (!line.trim() || /^\|/.test(line)) continue;
        // Wrapped Markdown lines join paragraphs and list items: each line's text is on the page.
        expect(text, line).toContain(plain(line).replace(/\s+/g, ' '));
      }
      expect(text).toContain('the full Fashion-MNIST (Debian');
      expect(text).toContain('Seeds: 0, 1 per row. Commit: abc123 for every run.');
      expect(text).toContain('wasm, 1 thread(s); Node v20.0.0, linux-x64');
      expect(text).toContain('aekt-s1 (failed): diverged: NaN');
    });

    it('has every table cell of the Markdown, each difference with its 95 % interval', () => {
      const cells = (row: string) =>
        row
          .split('|')
          .slice(1, -1)
          .map((c) => c.trim().replace(/`|\*\*/g, ''));
      const rows = [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) =>
        [...m[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => decode(c[1]!.replace(/<[^>]+>/g, ''))),
      );
      const mdRows = page.split('\n').filter((l) => l.startsWith('|') && !/^\|[-:| ]+\|$/.test(l));
      for (const r of mdRows) expect(rows.map((x) => x.join(' | '))).toContain(cells(r).join(' | '));
      expect(text).toContain('+4.00 [+1.39, +6.61] *');
    });

    it('charts each row’s Δ vs scratch from a zero axis, the interval as error bars in points', () => {
      const chart = html.slice(
        html.indexOf('data-chart="study:delta-scratch"'),
        html.indexOf('</svg>', html.indexOf('data-chart="study:delta-scratch"')),
      );
      expect(chart).toContain('data-broken="false"');
      expect(chart).toMatch(/<g class="tick" data-value="0">/);
      const bars = [
        ...chart.matchAll(/<g class="bar" data-label="([^"]+)" data-value="([^"]+)"[^>]*?(?: data-lo="([^"]+)" data-hi="([^"]+)")?>/g),
      ].map((m) => ({
        label: m[1],
        value: Number(m[2]),
        lo: m[3] === undefined ? undefined : Number(m[3]),
        hi: m[4] === undefined ? undefined : Number(m[4]),
      }));
      // kd: the report's interval [0.0139, 0.0661] in points; aekt has one seed: its difference 83 − 81, no interval.
      expect(bars).toEqual([
        { label: 'kd', value: expect.closeTo(4, 9), lo: expect.closeTo(1.39, 9), hi: expect.closeTo(6.61, 9) },
        { label: 'aekt', value: expect.closeTo(2, 9), lo: undefined, hi: undefined },
      ]);
      expect(chart).toContain('error bars: 95 % Welch interval over the seeds (none for rows with fewer than 2 seeds)');
      // The chart closes the results section: after the results table, before the learning curve.
      const at = html.indexOf('data-chart="study:delta-scratch"');
      expect(at).toBeGreaterThan(html.indexOf('id="results"'));
      expect(at).toBeLessThan(html.indexOf('id="learning-curve"'));
      expect(html).toContain("default-src 'none'");
    });
  });

  it('shows the epoch budget from its own study: each budget’s final top-1 per method, or how to run it', () => {
    const budgetFile = join(work, 'epochs.json');
    writeFileSync(budgetFile, JSON.stringify({ base: [], seeds: [0, 1], output: 'budget' }));
    const notRun = benchmarkMarkdown(readStudyResults(studyFile, { budget: budgetFile }), { relativeTo: work });
    expect(notRun).toContain('## Epoch budget');
    expect(notRun).toContain('Not run yet: `npm run kd -- sweep epochs.json --jobs 2`');
    // scratch at 5 epochs: 0.70 and 0.74 → 72.00 ± 2.83 (std √((2² + 2²)/1) = 2.83); kd at 5: 0.76, 0.78 → Δ +5.00;
    // kd at 30: one seed (no interval). Cells point at run directories that exist (their provenance gives the commit).
    const budgetCell = (name: string, dir: string, last?: number) => ({
      name,
      runDir: join(runs, dir),
      status: last === undefined ? 'failed' : 'finished',
      last,
    });
    const cells = [
      budgetCell('scratch-epochs5-s0', 'scratch-s0', 0.7),
      budgetCell('scratch-epochs5-s1', 'scratch-s1', 0.74),
      budgetCell('kd-epochs5-s0', 'kd-s0', 0.76),
      budgetCell('kd-epochs5-s1', 'kd-s1', 0.78),
      budgetCell('scratch-epochs30-s0', 'scratch-s0', 0.8),
      budgetCell('scratch-epochs30-s1', 'scratch-s1', 0.8),
      budgetCell('kd-epochs30-s0', 'kd-s0', 0.9),
      budgetCell('kd-epochs30-s1', 'kd-s1'),
    ];
    const group = (name: string, idx: number[]) => {
      const v = idx.map((i) => cells[i]!.last).filter((x): x is number => x !== undefined);
      return { group: name, seeds: v.map((_, i) => i), last: stat(v), cells: idx };
    };
    mkdirSync(join(work, 'budget'), { recursive: true });
    writeFileSync(
      join(work, 'budget', 'report.json'),
      JSON.stringify({
        ...report,
        cells,
        groups: [
          group('scratch-epochs5', [0, 1]),
          group('kd-epochs5', [2, 3]),
          group('scratch-epochs30', [4, 5]),
          group('kd-epochs30', [6, 7]),
        ],
      }),
    );
    const ran = benchmarkMarkdown(readStudyResults(studyFile, { budget: budgetFile }), { relativeTo: work });
    expect(ran).toContain('In progress: 7 of 8 runs finished.');
    expect(ran).toContain('Commit: `abc123`.');
    expect(ran).toContain('| epochs | scratch top-1 % (mean ± std, seeds) | kd top-1 % (mean ± std, seeds) | Δ kd vs scratch [95 % CI] |');
    expect(ran).toMatch(/\| 5 \| 72\.00 ± 2\.83 \(2\) \| 77\.00 ± 1\.41 \(2\) \| \+5\.00 \[/);
    expect(ran).toContain('| 30 | 80.00 ± 0.00 (2) | 90.00 (1) | n/a (< 2 seeds) |');
    expect(ran.indexOf('| 5 |')).toBeLessThan(ran.indexOf('| 30 |'));
  });

  it('shows the wider student’s column beside the main table’s, with its own Δ and intervals, or how to run it', () => {
    const wideFile = join(work, 'wide.json');
    writeFileSync(wideFile, JSON.stringify({ base: [], seeds: [0, 1], compare: ['scratch', 'kd'], output: 'wide' }));
    const notRun = benchmarkMarkdown(readStudyResults(studyFile, { wide: wideFile }), { relativeTo: work });
    expect(notRun).toContain('## A wider student');
    expect(notRun).toContain('Not run yet: `npm run kd -- sweep wide.json --jobs 2`');
    // the wider student's runs: scratch 0.86, 0.88; aekt (a reconstruction) 0.9, 0.9
    const wideRuns = join(work, 'wide', 'runs');
    run(join(wideRuns, 'scratch-s0'), [0.8, 0.86], { seed: 0, teacher: false });
    run(join(wideRuns, 'scratch-s1'), [0.8, 0.88], { seed: 1, teacher: false });
    run(join(wideRuns, 'aekt-s0'), [0.8, 0.9], { seed: 0, reconstruction: true });
    const wideCell = (name: string, last?: number) => ({
      name,
      runDir: join(wideRuns, name),
      status: last === undefined ? 'not run' : 'finished',
      last,
    });
    writeFileSync(
      join(work, 'wide', 'report.json'),
      JSON.stringify({
        ...report,
        cells: [wideCell('scratch-s0', 0.86), wideCell('scratch-s1', 0.88), wideCell('aekt-s0', 0.9), wideCell('aekt-s1')],
        groups: [
          { group: 'scratch', seeds: [0, 1], last: stat([0.86, 0.88]), cells: [0, 1], versus: { kd: null } },
          {
            group: 'aekt',
            seeds: [0],
            last: stat([0.9]),
            cells: [2, 3],
            versus: { scratch: { diff: 0.03, lo: 0.01, hi: 0.05, significant: true }, kd: null },
          },
        ],
      }),
    );
    const ran = benchmarkMarkdown(readStudyResults(studyFile, { wide: wideFile }), { relativeTo: work });
    expect(ran).toContain('In progress: 3 of 4 runs finished.');
    // sizes from a run with a teacher (the aekt cell), the commit from the cells' provenance
    expect(ran).toContain('parameters (teacher ÷ student 280.0×)');
    expect(ran).toContain('Commit: `abc123`.');
    expect(ran).toContain('| method | top-1 % main table | top-1 % wider student | Δ vs scratch [95 % CI] | Δ vs kd [95 % CI] | seeds |');
    // the main table's scratch (0.80, 0.82) beside the wider student's (0.86, 0.88)
    expect(ran).toContain('| scratch | 81.00 ± 1.41 | 87.00 ± 1.41 | — | n/a');
    expect(ran).toMatch(/\| aekt \(reconstruction\) \| 83\.00 \| 90\.00 \| \+3\.00 \[\+1\.00, \+5\.00\] \* \|/);
    // the column comes after the main results, before the epoch budget
    expect(ran.indexOf('## Results')).toBeLessThan(ran.indexOf('## A wider student'));
  });

  it('a row whose runs diverged says so in its top-1 and seeds cells; a failure worth retrying is still pending', () => {
    // A diverged run (failed, kind diverged) stops for good; a crashed one (kind error) will be resumed.
    // Their run directories hold what a stopped run leaves (config, provenance); the reconstruction label comes from it.
    for (const name of ['literal-s0', 'literal-s1', 'crashed-s0']) run(join(runs, name), [0.5], { seed: 0, reconstruction: true });
    // The report records each failed cell's kind (from its summary); the page reads that, not the run directory.
    const failed = (name: string, kind = 'diverged') => ({
      ...cell(name, 'failed'),
      reason: `${kind}: the loss became NaN`,
      failure: kind,
    });
    writeFileSync(join(work, 'diverged.json'), JSON.stringify({ base: [], seeds: [0, 1], compare: ['scratch', 'kd'], output: 'diverged' }));
    mkdirSync(join(work, 'diverged'), { recursive: true });
    const write = (cells: object[], literalCells: number[]) =>
      writeFileSync(
        join(work, 'diverged', 'report.json'),
        JSON.stringify({
          ...report,
          cells: [...report.cells.slice(0, 4), ...cells],
          groups: [
            ...report.groups.slice(0, 2),
            {
              group: 'literal',
              base: 'methods/literal.json',
              seeds: [],
              last: null,
              seconds: null,
              cells: literalCells,
              versus: { scratch: null, kd: null },
            },
          ],
        }),
      );
    write([failed('literal-s0'), failed('literal-s1')], [4, 5]);
    const all = benchmarkMarkdown(readStudyResults(join(work, 'diverged.json')), { relativeTo: work });
    // every run ended (4 finished, 2 diverged): no "in progress" banner; the row is labelled from the diverged runs' provenance
    expect(all).not.toContain('In progress');
    expect(all).toContain('| literal (reconstruction) | diverged | n/a (< 2 seeds) | n/a (< 2 seeds) | 0/2, 2 diverged | — |');
    expect(all).toContain('- literal-s0 (failed): diverged: the loss became NaN');
    expect(all).toContain('| literal | diverged | diverged |');
    expect(all).toContain('- **Diverged**: literal (reconstruction) in 2 of 2 seeds.');
    expect(all).not.toContain('Not yet comparable');
    write([failed('literal-s0'), failed('crashed-s0', 'error')], [4, 5]);
    const pending = benchmarkMarkdown(readStudyResults(join(work, 'diverged.json')), { relativeTo: work });
    expect(pending).toContain('In progress: 4 of 6 runs finished, 1 diverged.');
    expect(pending).toContain('| literal (reconstruction) | diverged | n/a (< 2 seeds) | n/a (< 2 seeds) | 0/2, 1 diverged | — |');
  });

  it('reads the table out: above, level with and below each compared row, from the intervals it shows', () => {
    // kd − scratch = +4.00 points with an interval excluding 0 (the fixture's); aekt has one finished seed of two.
    expect(page).toContain('- **vs scratch**: above: kd +4.00; level (the interval includes 0): none; below: none.');
    expect(page).toContain('- **vs kd**: above: none; level (the interval includes 0): none; below: scratch −4.00.');
    expect(page).toContain('- **Not yet comparable** (fewer than 2 seeds): aekt (reconstruction).');
    expect(page).not.toContain('**Diverged**');
  });

  it('says so loudly when the runs come from more than one commit', () => {
    run(join(runs, 'kd-s1'), [0.77, 0.84, 0.86], { seed: 1, sha: 'def456' });
    const mixed = benchmarkMarkdown(readStudyResults(studyFile), { relativeTo: work });
    expect(mixed).toContain('**2 different commits** (`abc123`, `def456`): this table mixes code versions');
    // which row ran where: kd is split (seed 0 at abc123, seed 1 at def456), scratch and aekt ran at abc123 only
    expect(mixed).toContain(
      '- **Commit of each row**: `abc123` scratch, kd (1 of 2 runs), aekt (reconstruction); `def456` kd (1 of 2 runs).',
    );
    expect(page).not.toContain('Commit of each row');
  });
});
