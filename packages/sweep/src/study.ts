import { dirname, resolve } from 'node:path';
import { createAjv, KdInputError } from '@kd/core';
import { parseOverride, readJsonFile } from '@kd/core/host';
import { STUDY_SCHEMA } from './study-schema.js';
import { formatSchemaErrors } from './schema-errors.js';

/** A set of overrides: dotted config path → JSON value. */
export type OverrideSet = Readonly<Record<string, unknown>>;

export interface StudyAxis {
  readonly name: string;
  readonly sets: readonly OverrideSet[];
}

/** A study file, validated, with its paths resolved. */
export interface Study {
  readonly file: string;
  readonly dir: string;
  /** Base config files, absolute. */
  readonly bases: readonly string[];
  readonly axes: readonly StudyAxis[];
  readonly combine: 'product' | 'zip';
  /** training.seed of each replicate; null: every cell keeps its config's seed. */
  readonly seeds: readonly number[] | null;
  /** The output root, absolute. */
  readonly root: string;
  readonly threads: number;
  /** Groups the report compares every other group with (difference of means, Welch 95 % CI). */
  readonly compare: readonly string[];
}

interface StudyFile {
  base: string | string[];
  axes: Record<string, Record<string, unknown>[]>;
  combine: 'product' | 'zip';
  seeds?: number[];
  output: string;
  threads: number;
  compare: string[];
}

let validate: ReturnType<ReturnType<typeof createAjv>['compile']> | undefined;

/** Paths the sweep itself decides for every cell; an axis that set them would be silently overruled. */
const RESERVED: Readonly<Record<string, string>> = {
  'output.dir': 'every cell gets its own run directory under the study’s output root',
  'output.overwrite': 'a sweep never clears a run directory; finished cells are skipped instead',
};

/** Reads and checks a study file: the schema, then what the schema cannot say (override paths, zip lengths). */
export function readStudy(file: string): Study {
  const path = resolve(file);
  const raw = readJsonFile(path);
  validate ??= createAjv().compile(STUDY_SCHEMA);
  if (!validate(raw)) throw new KdInputError(`${path}: invalid study`, formatSchemaErrors(validate.errors ?? [], raw));
  const s = raw as StudyFile;
  const dir = dirname(path);
  const axes = Object.entries(s.axes).map(([name, sets]) => ({ name, sets }));
  for (const { name, sets } of axes)
    sets.forEach((set, i) => {
      for (const key of Object.keys(set)) {
        const at = `/axes/${name}/${i}/${key}`;
        try {
          parseOverride(`${key}=`);
        } catch {
          throw new KdInputError(`${path}: ${at}: "${key}" is not a dotted path of config keys (e.g. "distiller.temperature")`);
        }
        if (Object.hasOwn(RESERVED, key)) throw new KdInputError(`${path}: ${at}: the sweep sets ${key} itself (${RESERVED[key]})`);
        if (key === 'training.seed' && s.seeds)
          throw new KdInputError(`${path}: ${at}: training.seed is set by "seeds"; drop one of the two`);
      }
    });
  if (s.combine === 'zip' && axes.length > 1) {
    const n = axes[0]!.sets.length;
    const other = axes.find((a) => a.sets.length !== n);
    if (other)
      throw new KdInputError(
        `${path}: /axes/${other.name}: ${other.sets.length} override sets; "combine": "zip" needs every axis as long as the first ("${axes[0]!.name}", ${n})`,
      );
  }
  return {
    file: path,
    dir,
    bases: (Array.isArray(s.base) ? s.base : [s.base]).map((b) => resolve(dir, b)),
    axes,
    combine: s.combine,
    seeds: s.seeds ?? null,
    root: resolve(dir, s.output),
    threads: s.threads,
    compare: s.compare,
  };
}
