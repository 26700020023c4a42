import type { CellTask } from './executor.js';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { isInputError, KdInputError, writeFileAtomic } from '@kd/core';
import { applyOverrides, coreVersion, parseOverride, readJsonFile, type KdRuntime } from '@kd/core/host';
import { expandStudy, type CellSpec } from './expand.js';
import { rebaseConfig } from './rebase-paths.js';
import { cellHash } from './cell-hash.js';
import { cellState, type CellState } from './cell-state.js';
import type { OverrideSet, Study } from './study.js';

/** A cell resolved, validated and hashed, with its files and what its run directory says must happen. */
export interface PlannedCell extends CellSpec {
  /** sha256 of the resolved config without its output location, and of the kd version (`cellHash`). */
  readonly hash: string;
  /** `<root>/cells/<name>.json`, the config `kd run` trains. */
  readonly config: string;
  /** `<root>/runs/<name>`. */
  readonly runDir: string;
  /** `<root>/logs/<name>.log`: the run's stderr, appended by every attempt. */
  readonly log: string;
  readonly state: CellState;
}

export interface StudyPlan {
  readonly study: Study;
  readonly cells: readonly PlannedCell[];
  /**
   * How the cells were checked: every cell against the schema, one cell per group (cells that differ only in the
   * seed) through the rules past the schema, `full` of those through every check `kd run` makes.
   */
  readonly checked: { readonly full: number; readonly groups: number; readonly schema: number; readonly seconds: number };
}

export interface PlanOptions {
  /**
   * Run the full checks (`KdRuntime.validateFile`: data, teacher weights, networks built) on one cell of every group
   * of cells that differ only in the seed (a seed changes nothing about whether a run starts), when its run has yet to
   * start. Default true; false: the schema for every cell, the rules past it once per group.
   */
  readonly full?: boolean;
  /** Write the cell configs into `<root>/cells/` (default true); false leaves nothing behind (`--dry-run`, `--report`). */
  readonly write?: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The directories of a study's output root. */
export function studyPaths(root: string) {
  return { cells: join(root, 'cells'), runs: join(root, 'runs'), logs: join(root, 'logs') };
}

function readBase(file: string, study: Study): Record<string, unknown> {
  if (!existsSync(file))
    throw new KdInputError(
      `${study.file}: /base: ${file} does not exist; expected a kd config file (paths are relative to the study file)`,
    );
  const raw = readJsonFile(file);
  if (!isObject(raw)) throw new KdInputError(`${file}: /: expected a JSON object (a kd config, the study's base)`);
  return raw;
}

/** The method a cell trains, for its name: the distiller's name, or `scratch` without one. */
function methodOf(base: Record<string, unknown>, o: OverrideSet): string {
  if (typeof o['distiller.name'] === 'string') return o['distiller.name'];
  if (isObject(o['distiller']) && typeof o['distiller']['name'] === 'string') return o['distiller']['name'];
  const d = base['distiller'];
  return isObject(d) && typeof d['name'] === 'string' ? d['name'] : 'scratch';
}

/** The study line that set a cell's override of `key`: the last axis whose set names it, or the seeds. */
function setBy(study: Study, spec: CellSpec, key: string): string | undefined {
  if (key === 'training.seed' && spec.seed !== null) return '/seeds';
  const axis = [...study.axes].reverse().find((a) => Object.hasOwn(a.sets[spec.picks[a.name]!]!, key));
  return axis ? `/axes/${axis.name}/${spec.picks[axis.name]}` : undefined;
}

/**
 * An input error about a cell, as the study's: the cell's name, base and overrides, the message with the staged
 * file's path taken out (it is gone by the time the user reads it), and which study line set the value at fault.
 */
function cellError(study: Study, spec: CellSpec, staged: string, e: unknown): never {
  if (!isInputError(e)) throw e;
  const message = (e as Error).message.replaceAll(`${staged}: `, '').replaceAll(staged, `cells/${spec.name}.json`);
  const from = Object.keys(spec.overrides)
    .filter((k) => message.includes(`/${k.split('.').join('/')}`))
    .map((k) => `${k} is set by ${setBy(study, spec, k)}`);
  throw new KdInputError(
    `${study.file}: cell ${spec.name} (base ${relative(study.dir, spec.base)}, overrides ${JSON.stringify(spec.overrides)}): ${message}${from.length ? `\n  (${from.join('; ')})` : ''}`,
  );
}

/**
 * Expands a study into its cells and checks every one before anything runs: the override paths, the resolved config
 * against the schema and the rules, the full run checks once per group, what each run directory holds. One bad cell
 * is an input error naming the cell, the pointer and the study line that set it; nothing is written then.
 * With `write`, the cell configs are then written into `<root>/cells/`.
 */
export async function planStudy(study: Study, runtime: KdRuntime, options: PlanOptions = {}): Promise<StudyPlan> {
  const t0 = performance.now();
  const bases = new Map(study.bases.map((b) => [b, readBase(b, study)] as const));
  const specs = expandStudy(study, (base, o) => methodOf(bases.get(base)!, o));
  const seen = new Map<string, CellSpec>();
  for (const c of specs) {
    const other = seen.get(c.name);
    if (other)
      throw new KdInputError(
        `${study.file}: /axes: two cells are both named ${c.name} (${JSON.stringify(other.picks)} and ${JSON.stringify(c.picks)}): their override sets are identical`,
      );
    seen.set(c.name, c);
  }
  const groupNames = [...new Set(specs.map((c) => c.group))];
  study.compare.forEach((g, i) => {
    if (!groupNames.includes(g))
      throw new KdInputError(`${study.file}: /compare/${i}: "${g}" is not a group of this study; its groups are ${groupNames.join(', ')}`);
  });
  const paths = studyPaths(study.root);
  const rootExisted = existsSync(study.root);
  // Checked where they will live (one level under the root, like cells/), so relative paths resolve alike; moved to
  // cells/ only once every cell passed.
  const staging = join(study.root, `.cells.${process.pid}.tmp`);
  const cleanup = () => {
    rmSync(staging, { recursive: true, force: true });
    if (!rootExisted) rmSync(study.root, { recursive: true, force: true });
  };
  mkdirSync(staging, { recursive: true });
  const texts = new Map<string, string>();
  let full = 0;
  try {
    const planned: PlannedCell[] = [];
    for (const spec of specs) {
      const base = bases.get(spec.base)!;
      const staged = join(staging, `${spec.name}.json`);
      const fail = (e: unknown): never => cellError(study, spec, staged, e);
      let config: Record<string, unknown>;
      try {
        const overridden = applyOverrides(
          base,
          Object.entries(spec.overrides).map(([k, v]) => parseOverride(`${k}=${JSON.stringify(v)}`)),
        );
        await runtime.loadFor(overridden, dirname(spec.base), spec.base);
        config = rebaseConfig(overridden, dirname(spec.base), staging, runtime.registry);
        config['output'] = { ...(isObject(config['output']) ? config['output'] : {}), dir: `../runs/${spec.name}`, overwrite: false };
      } catch (e) {
        return fail(e);
      }
      const text = `${JSON.stringify(config, null, 2)}\n`;
      writeFileSync(staged, text);
      texts.set(spec.name, text);
      let hash: string;
      try {
        // The runtime keeps one compiled validator while the set of loaded plugins stays the same.
        hash = cellHash(runtime.validator().validate(config, staged), coreVersion());
      } catch (e) {
        return fail(e);
      }
      const runDir = join(paths.runs, spec.name);
      const state = cellState(runDir, hash, spec.name);
      planned.push({
        ...spec,
        hash,
        config: join(paths.cells, `${spec.name}.json`),
        runDir,
        log: join(paths.logs, `${spec.name}.log`),
        state,
      });
    }
    // Cells of a group differ only in the seed, which the schema has checked: the checks past the schema (files,
    // cross-section rules; with `full`, the assembled pipeline) run once per group.
    const groups = new Set<string>();
    for (const c of planned) {
      if (groups.has(c.group)) continue;
      groups.add(c.group);
      const staged = join(staging, `${c.name}.json`);
      try {
        if (options.full !== false && (c.state.kind === 'new' || c.state.kind === 'restart')) {
          await runtime.validateFile(staged);
          full++;
        } else await runtime.checkConfigFile(staged);
      } catch (e) {
        cellError(study, c, staged, e);
      }
    }
    if (options.write !== false) {
      mkdirSync(paths.cells, { recursive: true });
      for (const c of planned) {
        const text = texts.get(c.name)!;
        if (!existsSync(c.config) || readFileSync(c.config, 'utf8') !== text) writeFileAtomic(c.config, text);
      }
    }
    rmSync(staging, { recursive: true, force: true });
    if (options.write === false && !rootExisted) rmSync(study.root, { recursive: true, force: true });
    return {
      study,
      cells: planned,
      checked: { full, groups: groups.size, schema: planned.length, seconds: (performance.now() - t0) / 1000 },
    };
  } catch (e) {
    cleanup();
    throw e;
  }
}

/** The cells a sweep still has to run (new, restarted in place, or resumed from a checkpoint), as executor tasks. */
export function runnableTasks(plan: StudyPlan): CellTask[] {
  return plan.cells
    .filter((c) => c.state.kind === 'new' || c.state.kind === 'restart' || c.state.kind === 'resume')
    .map((c) => ({
      name: c.name,
      hash: c.hash,
      config: c.config,
      runDir: c.runDir,
      log: c.log,
      threads: plan.study.threads,
      action: c.state.kind === 'resume' ? 'resume' : 'run',
    }));
}
