// Does this checkout train exactly what another one trains? A refactor is meant to leave every number alone, and a
// benchmark table run at one commit should stay valid for the code that follows it; this checks both, bit for bit.
// Each row of the benchmark (configs/benchmark/methods/) is shrunk to a short run (1,024 training images, 512 test
// images, one epoch past any auto-encoder stage, no teacher-output cache), trained by each checkout's own CLI from its
// sources, one thread, and the two runs' final weights (sha-256 of final/network.bin) and first-epoch losses are
// compared.
//
//   node tools/bench/same-bits.mjs --against /path/to/other/checkout [--rows kd,dkd,…] [--teacher runs/benchmark/teacher]
//                                  [--images 1024] [--expect-diff reviewkd] [--work /tmp/kd-same-bits]
//
// The teacher must be a trained run both checkouts can read (the benchmark's: `kd run configs/benchmark/teacher.json`).
// Exit 0 when every row matches (or differs only where --expect-diff says it may), 1 otherwise.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT as root } from './paths.js';

/** What a shrunk run is: how many images, and where its teacher and output are. */
export interface Shrink {
  readonly images: number;
  /** Absolute path of the trained teacher run. */
  readonly teacher: string;
  /** Absolute output directory. */
  readonly out: string;
}

type Json = Record<string, unknown>;

/**
 * A benchmark row's config as a short run: the same data source, networks, method and recipe, on `images` training
 * images (half as many test images), for one epoch after any auto-encoder stage (FT, IE-KD), without the teacher-output
 * cache (it would be shared between the two checkouts), with the teacher and output given as absolute paths.
 */
export function shrinkConfig(config: Json, s: Shrink): Json {
  const { $schema: _schema, ...rest } = config;
  const dataset = { ...(rest['dataset'] as Json), trainLimit: s.images, testLimit: Math.max(1, Math.floor(s.images / 2)) };
  const distiller = rest['distiller'] as Json | undefined;
  const autoEncoder = typeof distiller?.['autoEncoderEpochs'] === 'number' ? distiller['autoEncoderEpochs'] : 0;
  const training = { ...(rest['training'] as Json), epochs: autoEncoder + 1 };
  const teacher = rest['teacher'] as Json | undefined;
  const { cache: _cache, ...teacherRest } = teacher ?? {};
  return {
    ...rest,
    dataset,
    ...(teacher ? { teacher: { ...teacherRest, weights: s.teacher } } : {}),
    training,
    output: { dir: s.out },
  };
}

/** What is compared of one run: its final weights' digest and its first epoch's losses; its last test top-1, shown. */
export interface RunPrint {
  readonly weights: string | null;
  readonly losses: Readonly<Record<string, number>> | null;
  readonly top1?: number;
}

export function runPrint(dir: string): RunPrint {
  const bin = join(dir, 'final', 'network.bin');
  const metrics = join(dir, 'metrics.jsonl');
  const lines = existsSync(metrics)
    ? readFileSync(metrics, 'utf8')
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as { loss?: Record<string, number>; metrics?: Record<string, number> })
    : [];
  const top1 = lines.at(-1)?.metrics?.['student.top1'];
  return {
    weights: existsSync(bin) ? createHash('sha256').update(readFileSync(bin)).digest('hex') : null,
    losses: lines[0]?.loss ?? null,
    ...(typeof top1 === 'number' ? { top1 } : {}),
  };
}

/**
 * How far apart two runs' first-epoch losses are: the largest |a − b| / max(|a|, |b|) over the terms both logged, so an
 * expected difference (a gradient computed in another order) can be told from a changed method. null when either
 * run logged no losses or they share no term.
 */
export function lossGap(a: RunPrint, b: RunPrint): number | null {
  if (!a.losses || !b.losses) return null;
  const keys = Object.keys(a.losses).filter((k) => k in b.losses!);
  if (!keys.length) return null;
  return Math.max(
    ...keys.map((k) => {
      const [x, y] = [a.losses![k]!, b.losses![k]!];
      const scale = Math.max(Math.abs(x), Math.abs(y));
      return scale === 0 ? 0 : Math.abs(x - y) / scale;
    }),
  );
}

function describeDifference(a: RunPrint, b: RunPrint): string {
  const gap = lossGap(a, b);
  const pct = (r: RunPrint) => (r.top1 === undefined ? '?' : `${(100 * r.top1).toFixed(2)} %`);
  return `first-epoch losses within ${gap === null ? '?' : gap.toExponential(1)} relative; test top-1 ${pct(a)} here, ${pct(b)} there`;
}

/** `same`: both runs finished with identical weights and losses; `differ`: both finished, not identical; `missing`. */
export function compareRuns(a: RunPrint, b: RunPrint): 'same' | 'differ' | 'missing' {
  if (!a.weights || !b.weights || !a.losses || !b.losses) return 'missing';
  const keys = [...new Set([...Object.keys(a.losses), ...Object.keys(b.losses)])];
  const sameLosses = keys.every((k) => Object.is(a.losses![k], b.losses![k]));
  return a.weights === b.weights && sameLosses ? 'same' : 'differ';
}

function train(checkout: string, config: string): number {
  const cli = join(checkout, 'packages/cli/src/bin.ts');
  const r = spawnSync(process.execPath, ['--conditions=@kd/source', '--import', '@swc-node/register/esm-register', cli, 'run', config], {
    cwd: checkout,
    env: { ...process.env, KD_WASM_THREADS: '1' },
    encoding: 'utf8',
  });
  if (r.status !== 0) process.stderr.write(`${checkout}: ${config}: exit ${r.status}\n${r.stderr.slice(-2000)}\n`);
  return r.status ?? 1;
}

export async function main(argv: readonly string[]): Promise<void> {
  const { values: a } = parseArgs({
    args: [...argv],
    options: {
      against: { type: 'string' },
      rows: { type: 'string' },
      teacher: { type: 'string', default: join(root, 'runs/benchmark/teacher') },
      images: { type: 'string', default: '1024' },
      'expect-diff': { type: 'string', default: '' },
      work: { type: 'string' },
    },
  });
  if (!a.against) throw new Error('--against <another checkout of this repository> is required');
  const other = resolve(a.against);
  const teacher = resolve(a.teacher);
  if (!existsSync(join(teacher, 'final', 'network.json')) && !existsSync(join(teacher, 'network.json')))
    throw new Error(`${teacher}: no trained teacher run (kd run configs/benchmark/teacher.json)`);
  const methods = join(root, 'configs/benchmark/methods');
  const rows = a.rows ? a.rows.split(',') : readdirSync(methods).map((f) => f.replace(/\.json$/, ''));
  const expected = new Set(a['expect-diff'].split(',').filter(Boolean));
  const work = a.work ? resolve(a.work) : mkdtempSync(join(tmpdir(), 'kd-same-bits-'));
  const images = Number(a.images);
  mkdirSync(work, { recursive: true });
  let failed = 0;
  let differing = 0;
  console.log(`this checkout: ${root}\nagainst:       ${other}\n\n| row | result |\n|---|---|`);
  for (const row of rows) {
    const base = JSON.parse(readFileSync(join(methods, `${row}.json`), 'utf8')) as Json;
    const prints = [root, other].map((checkout, side) => {
      const out = join(work, side === 0 ? 'this' : 'other', row);
      const file = join(work, `${side === 0 ? 'this' : 'other'}-${row}.json`);
      writeFileSync(file, JSON.stringify(shrinkConfig(base, { images, teacher, out }), null, 1));
      train(checkout, file);
      return runPrint(out);
    });
    const result = compareRuns(prints[0]!, prints[1]!);
    const ok = result === 'same' || (result === 'differ' && expected.has(row));
    if (!ok) failed++;
    if (result === 'differ') differing++;
    const detail = result === 'differ' ? `${expected.has(row) ? ' (expected)' : ''}: ${describeDifference(prints[0]!, prints[1]!)}` : '';
    console.log(`| ${row} | ${result}${detail} |`);
  }
  console.log(
    failed
      ? `\n${failed} row(s) differ or did not run (work: ${work})`
      : differing
        ? `\n${rows.length - differing} of ${rows.length} rows train the same bits; the other ${differing} differ where --expect-diff allows`
        : '\nevery row trains the same bits',
  );
  process.exitCode = failed ? 1 : 0;
}
