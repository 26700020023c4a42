// Collects every distiller package's bench results of one mode (packages/*/bench-results/<name>.json for the
// standard mode, packages/*/bench-results/<mode>/<name>.json otherwise) into one page per mode:
//   full      docs/benchmarks-packages.md + .html, data in docs/benchmarks/full/   (the full Fashion-MNIST)
//   standard  docs/benchmarks-subset.md + .html, data in docs/benchmarks/subset/   (the shipped 2,000-image subset)
//   smoke     docs/benchmarks-smoke.md (CI; written under --out, not committed)
// The data folder holds the merged results (results.json) and a copy of each source file. These are each package's
// own short benches; the benchmark proper (docs/benchmarks.md) is one study: benchmark-page.ts.
//
//   node tools/bench/aggregate.mjs [--mode standard|full|smoke] [--out docs]
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { BenchResultFile, Mode } from './bench-result.js';
import { MODE_DOCS, MODES, benchMarkdown, isMode, mergeResults, orderMethods, type BenchSource, type MethodConfig } from './lib.js';
import { REPO_ROOT as root } from './paths.js';

/** packages/distiller-lakd's peak-memory table (its own bench writes it beside its bench results). */
interface LakdMemory {
  readonly teacher: string;
  readonly student: string;
  readonly batch: number;
  readonly backend: string;
  readonly rows: readonly { readonly method: string; readonly peakBytes: number; readonly ratioToKd: number }[];
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

/** Bench aggregates of one mode: files with `results` and `teacher`, not the memory or backbone tables. */
function sources(mode: Mode): (BenchSource & { readonly file: string })[] {
  const found: (BenchSource & { readonly file: string })[] = [];
  for (const pkg of readdirSync(join(root, 'packages')).sort()) {
    const dir = mode === 'standard' ? join(root, 'packages', pkg, 'bench-results') : join(root, 'packages', pkg, 'bench-results', mode);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      const json = readJson<Partial<BenchResultFile>>(join(dir, f));
      if (json.results && json.teacher && (json.mode ?? 'standard') === mode)
        found.push({ pkg, file: join(dir, f), source: join(dir, f).slice(root.length + 1), json: json as BenchResultFile });
    }
  }
  return found;
}

export async function main(argv: readonly string[]): Promise<void> {
  const { values: a } = parseArgs({
    args: [...argv],
    options: { mode: { type: 'string', default: 'standard' }, out: { type: 'string', default: join(root, 'docs') } },
  });
  const mode = a.mode;
  if (!isMode(mode)) {
    process.stderr.write(`aggregate: --mode: got ${JSON.stringify(mode)}; expected one of ${MODES.join(', ')}\n`);
    process.exit(2);
  }

  const files = sources(mode);
  if (!files.length) {
    process.stderr.write(
      `aggregate: no ${mode} bench results under packages/*/bench-results; run nx run-many -t bench${mode === 'standard' ? '' : ` -c ${mode}`} first\n`,
    );
    process.exit(2);
  }
  const merged = mergeResults(files);
  const methods = orderMethods(merged);
  const docs = MODE_DOCS[mode];
  // Hand-written remarks on these numbers (how they were measured, what to make of them) live beside the page.
  const notesFile = join(root, 'docs', `${docs.page}.notes.md`);
  const memory = join(root, 'packages/distiller-lakd/bench-results/memory.json');
  const sections: string[] = [];
  if (existsSync(memory) && mode !== 'smoke') {
    const m = readJson<LakdMemory>(memory);
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
    mode,
    merged,
    configOf: (p) => readJson<MethodConfig>(join(root, p)),
    ...(existsSync(notesFile) ? { notes: readFileSync(notesFile, 'utf8') } : {}),
    sections,
  });

  const outDir = resolve(a.out);
  const dataDir = join(outDir, docs.data);
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  for (const { pkg, file } of files) copyFileSync(file, join(dataDir, `${pkg}.${file.split('/').pop()}`));
  if (existsSync(memory) && mode !== 'smoke') copyFileSync(memory, join(dataDir, 'distiller-lakd.memory.json'));
  const first = merged[methods[0]!]!;
  const aggregate = {
    name: `all methods (${mode === 'standard' ? 'subset' : mode})`,
    mode,
    date: new Date().toISOString(),
    seeds: Math.min(...methods.map((m) => merged[m]!.last.n)),
    teacher: first.teacher,
    results: Object.fromEntries(methods.map((m) => [m, merged[m]])),
    provenance: { sources: files.map((f) => f.source) },
  };
  const resultsFile = join(dataDir, 'results.json');
  writeFileSync(`${resultsFile}.tmp`, `${JSON.stringify(aggregate, null, 2)}\n`);
  renameSync(`${resultsFile}.tmp`, resultsFile);
  const md = join(outDir, `${docs.page}.md`);
  writeFileSync(`${md}.tmp`, lines.join('\n'));
  renameSync(`${md}.tmp`, md);
  console.log(`written: ${md}`);
  try {
    const { writeBenchReport } = await import('@kd/report');
    // The HTML twin renders the Markdown too, so it says everything the .md says (data, epochs, memory, notes).
    console.log(`written: ${writeBenchReport(resultsFile, md.replace(/\.md$/, '.html'), { markdown: lines.join('\n') })}`);
  } catch (e) {
    console.warn(`aggregate: HTML report not written (${(e as Error).message})`);
  }
}
