#!/usr/bin/env node
// Collects every distiller package's bench results of one mode (packages/*/bench-results/<name>.json for the
// standard mode, packages/*/bench-results/<mode>/<name>.json otherwise) into one page per mode:
//   full      docs/benchmarks-packages.md + .html, data in docs/benchmarks/full/   (the full Fashion-MNIST)
//   standard  docs/benchmarks-subset.md + .html, data in docs/benchmarks/subset/   (the shipped 2,000-image subset)
//   smoke     docs/benchmarks-smoke.md (CI; written under --out, not committed)
// The data folder holds the merged results (results.json) and a copy of each source file. These are each package's
// own short benches; the benchmark proper (docs/benchmarks.md) is one study: tools/bench/benchmark-page.mjs.
//
//   node tools/bench/aggregate.mjs [--mode standard|full|smoke] [--out docs]
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MODE_DOCS, MODES, benchMarkdown, mergeResults, orderMethods } from './lib.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { values: a } = parseArgs({
  options: { mode: { type: 'string', default: 'standard' }, out: { type: 'string', default: join(root, 'docs') } },
});
if (!MODES.includes(a.mode)) {
  process.stderr.write(`aggregate: --mode: got ${JSON.stringify(a.mode)}; expected one of ${MODES.join(', ')}\n`);
  process.exit(2);
}

/** Bench aggregates of one mode: files with `results` and `teacher`, not the memory or backbone tables. */
function sources() {
  const found = [];
  for (const pkg of readdirSync(join(root, 'packages')).sort()) {
    const dir = a.mode === 'standard' ? join(root, 'packages', pkg, 'bench-results') : join(root, 'packages', pkg, 'bench-results', a.mode);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      const json = JSON.parse(readFileSync(join(dir, f), 'utf8'));
      if (json.results && json.teacher && (json.mode ?? 'standard') === a.mode)
        found.push({ pkg, file: join(dir, f), source: join(dir, f).slice(root.length + 1), json });
    }
  }
  return found;
}

const files = sources();
if (!files.length) {
  process.stderr.write(
    `aggregate: no ${a.mode} bench results under packages/*/bench-results; run nx run-many -t bench${a.mode === 'standard' ? '' : ` -c ${a.mode}`} first\n`,
  );
  process.exit(2);
}
const merged = mergeResults(files);
const methods = orderMethods(merged);
const docs = MODE_DOCS[a.mode];
// Hand-written remarks on these numbers (how they were measured, what to make of them) live beside the page.
const notesFile = join(root, 'docs', `${docs.page}.notes.md`);
const memory = join(root, 'packages/distiller-lakd/bench-results/memory.json');
const sections = [];
if (existsSync(memory) && a.mode !== 'smoke') {
  const m = JSON.parse(readFileSync(memory, 'utf8'));
  sections.push(
    '## LAKD memory',
    '',
    `Peak tensor memory of one training step, ${m.teacher} → ${m.student}, batch ${m.batch}, ${m.backend}:`,
    '',
  );
  sections.push(
    '| method | peak MiB | ÷ KD |',
    '|---|---:|---:|',
    ...m.rows.map((r) => `| ${r.method} | ${(r.peakBytes / 2 ** 20).toFixed(1)} | ${r.ratioToKd.toFixed(3)} |`),
    '',
  );
}
const lines = benchMarkdown({
  mode: a.mode,
  merged,
  configOf: (p) => JSON.parse(readFileSync(join(root, p), 'utf8')),
  notes: existsSync(notesFile) ? readFileSync(notesFile, 'utf8') : undefined,
  sections,
});

const outDir = resolve(a.out);
const dataDir = join(outDir, docs.data);
rmSync(dataDir, { recursive: true, force: true });
mkdirSync(dataDir, { recursive: true });
for (const { pkg, file } of files) copyFileSync(file, join(dataDir, `${pkg}.${file.split('/').pop()}`));
if (existsSync(memory) && a.mode !== 'smoke') copyFileSync(memory, join(dataDir, 'distiller-lakd.memory.json'));
const aggregate = {
  name: `all methods (${a.mode === 'standard' ? 'subset' : a.mode})`,
  mode: a.mode,
  date: new Date().toISOString(),
  seeds: Math.min(...methods.map((m) => merged[m].last.n)),
  teacher: merged[methods[0]].teacher,
  results: Object.fromEntries(methods.map((m) => [m, merged[m]])),
  provenance: { sources: files.map((f) => f.source) },
};
const resultsFile = join(dataDir, 'results.json');
writeFileSync(resultsFile, `${JSON.stringify(aggregate, null, 2)}\n`);
const md = join(outDir, `${docs.page}.md`);
writeFileSync(`${md}.tmp`, lines.join('\n'));
renameSync(`${md}.tmp`, md);
console.log(`written: ${md}`);
try {
  const { writeBenchReport } = await import('@kd/report');
  // The HTML twin renders the Markdown too, so it says everything the .md says (data, epochs, memory, notes).
  console.log(`written: ${writeBenchReport(resultsFile, md.replace(/\.md$/, '.html'), { markdown: lines.join('\n') })}`);
} catch (e) {
  console.warn(`aggregate: HTML report not written (${e.message})`);
}
