// What the teacher-output cache (`teacher.cache`) saves: one logit method (KD by default) run from the same config
// three times in one process — without the cache, with a cold cache (computing and storing every output), and with
// the warm cache — alternating over rounds because this VM's speed drifts within minutes. Reports the training
// seconds of each, the ratio uncached ÷ warm per round and its median, checks that all three runs end with the same
// weights to the bit, and writes <out>/teacher-cache.json.
//
//   node tools/bench/teacher-cache.mjs [--config configs/bench/student-kd.json] [--rounds 3] [--epochs 2] [--out bench-results]
//
// Needs the bench teacher the config names (nx run bench:teacher) and built packages (nx run-many -t build).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { KdRuntime, type TeacherCacheStats } from '@kd/core/host';
import type { ConfigFile } from './config-file.js';
import { REPO_ROOT as root, repoRelative } from './paths.js';

interface Round {
  readonly uncachedSeconds: number;
  readonly coldSeconds: number;
  readonly warmSeconds: number;
  readonly speedup: number;
  readonly coldOverhead: number;
  readonly warmCache: TeacherCacheStats | null;
  readonly identical: boolean;
}

const median = (xs: readonly number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

export async function main(argv: readonly string[]): Promise<void> {
  const { values: a } = parseArgs({
    args: [...argv],
    options: {
      config: { type: 'string', default: join(root, 'configs/bench/student-kd.json') },
      rounds: { type: 'string', default: '3' },
      epochs: { type: 'string', default: '2' },
      out: { type: 'string', default: join(root, 'bench-results') },
    },
  });
  process.env['KD_WASM_THREADS'] ??= '1';
  const source = resolve(a.config);
  const base = JSON.parse(readFileSync(source, 'utf8')) as ConfigFile;
  const sourceTeacher = base.teacher;
  if (!sourceTeacher?.weights) throw new Error(`${source}: no teacher weights; the cache needs a distiller that uses a teacher`);
  const work = mkdtempSync(join(tmpdir(), 'kd-teacher-cache-bench-'));
  const teacherWeights = resolve(dirname(source), sourceTeacher.weights);
  const runtime = new KdRuntime({ root });

  /** Trains the config once (in `work/<name>`), with or without the cache directory; seconds of training and final bytes. */
  const run = async (name: string, cacheDir: string | undefined) => {
    const config = structuredClone(base);
    delete config.$schema;
    config.teacher = { ...sourceTeacher, weights: teacherWeights, ...(cacheDir ? { cache: { dir: cacheDir } } : {}) };
    config.training = { ...config.training, epochs: Number(a.epochs) };
    config.output = { dir: join(work, name), overwrite: true };
    const file = join(work, `${name}.json`);
    writeFileSync(file, JSON.stringify(config));
    const { summary } = await runtime.run(file);
    return {
      seconds: summary.seconds,
      cache: summary.teacherCache ?? null,
      weights: readFileSync(join(work, name, 'final', 'network.bin')),
    };
  };

  const rounds: Round[] = [];
  try {
    for (let r = 0; r < Number(a.rounds); r++) {
      const cacheDir = join(work, `cache-${r}`);
      const uncached = await run(`uncached-${r}`, undefined);
      const cold = await run(`cold-${r}`, cacheDir);
      const warm = await run(`warm-${r}`, cacheDir);
      const identical = uncached.weights.equals(cold.weights) && uncached.weights.equals(warm.weights);
      if (!identical) throw new Error(`round ${r}: the cached runs' final weights differ from the uncached run's`);
      rounds.push({
        uncachedSeconds: uncached.seconds,
        coldSeconds: cold.seconds,
        warmSeconds: warm.seconds,
        speedup: uncached.seconds / warm.seconds,
        coldOverhead: cold.seconds / uncached.seconds,
        warmCache: warm.cache,
        identical,
      });
      console.log(
        `round ${r + 1}: uncached ${uncached.seconds.toFixed(1)} s, cold ${cold.seconds.toFixed(1)} s, warm ${warm.seconds.toFixed(1)} s ` +
          `→ ${(uncached.seconds / warm.seconds).toFixed(2)}× (hits ${warm.cache?.hits}, ${((warm.cache?.bytes ?? NaN) / 2 ** 20).toFixed(1)} MiB)`,
      );
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const result = {
    config: repoRelative(source),
    epochs: Number(a.epochs),
    threads: Number(process.env['KD_WASM_THREADS']),
    date: new Date().toISOString(),
    rounds,
    medianSpeedup: median(rounds.map((r) => r.speedup)),
    medianColdOverhead: median(rounds.map((r) => r.coldOverhead)),
  };
  mkdirSync(a.out, { recursive: true });
  writeFileSync(join(a.out, 'teacher-cache.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    `teacher cache: uncached ÷ warm ${result.medianSpeedup.toFixed(2)}× (median of ${rounds.length}), cold ÷ uncached ${result.medianColdOverhead.toFixed(2)}×; identical weights in every round`,
  );
}
