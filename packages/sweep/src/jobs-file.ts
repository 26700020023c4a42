import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { KdInputError, writeFileAtomic } from '@kd/core';
import type { StudyPlan } from './plan-study.js';

/**
 * One line of a jobs file: everything an indexed worker (a Slurm array task, a Kubernetes Indexed Job pod) needs to
 * run one cell with `kd run --from <jobs.jsonl> --index <i>`. Paths are relative to the jobs file, so the output root
 * may be mounted elsewhere on the workers as long as the two keep their places.
 */
export interface JobLine {
  readonly index: number;
  readonly name: string;
  readonly hash: string;
  readonly config: string;
  readonly runDir: string;
  readonly threads: number;
}

const rel = (from: string, p: string) => relative(from, p).split(sep).join('/');

/** Writes one line per cell (atomically: a worker never reads half a file). */
export function writeJobsFile(file: string, plan: StudyPlan): JobLine[] {
  const dir = dirname(resolve(file));
  const lines = plan.cells.map((c, index) => ({
    index,
    name: c.name,
    hash: c.hash,
    config: rel(dir, c.config),
    runDir: rel(dir, c.runDir),
    threads: plan.study.threads,
  }));
  writeFileAtomic(resolve(file), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  return lines;
}

/** Reads line `index` of a jobs file, its paths made absolute. */
export function readJobLine(file: string, index: number): JobLine {
  const path = resolve(file);
  if (!existsSync(path)) throw new KdInputError(`--from ${path}: no such file; write it with kd sweep <study.json> --emit ${file}`);
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  if (!Number.isInteger(index) || index < 0 || index >= lines.length)
    throw new KdInputError(`--index: got ${index}; expected an integer from 0 to ${lines.length - 1} (${path} has ${lines.length} cells)`);
  let line: Partial<JobLine>;
  try {
    line = JSON.parse(lines[index]!) as Partial<JobLine>;
  } catch (e) {
    throw new KdInputError(`${path}:${index + 1}: not a JSON line (${(e as Error).message})`);
  }
  if (
    typeof line.name !== 'string' ||
    typeof line.hash !== 'string' ||
    typeof line.config !== 'string' ||
    typeof line.runDir !== 'string' ||
    !Number.isInteger(line.threads)
  )
    throw new KdInputError(`${path}:${index + 1}: expected {index, name, hash, config, runDir, threads} as kd sweep --emit writes`);
  const dir = dirname(path);
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(dir, p));
  return { index, name: line.name, hash: line.hash, config: abs(line.config), runDir: abs(line.runDir), threads: line.threads! };
}
