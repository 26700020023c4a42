import { basename, extname } from 'node:path';
import { createHash } from 'node:crypto';
import { stableStringify } from '@kd/core';
import type { OverrideSet, Study } from './study.js';

/** One cell of a study before it is resolved: which base, which set of every axis, which seed. */
export interface CellSpec {
  /** Readable and unique within the study: `<method>-<axis values>-s<seed>`. */
  readonly name: string;
  /** The cell's name without its seed: cells of one group differ only in the seed (the report averages them). */
  readonly group: string;
  /** The base config, absolute. */
  readonly base: string;
  /** The index of the set each axis contributed, by axis name. */
  readonly picks: Readonly<Record<string, number>>;
  /** Every override, in the order applied (axes in order, then the seed). */
  readonly overrides: OverrideSet;
  readonly seed: number | null;
}

/** The axis combinations: every one (product) or the i-th of each (zip). */
function combinations(study: Study): number[][] {
  const lengths = study.axes.map((a) => a.sets.length);
  if (lengths.length === 0) return [[]];
  if (study.combine === 'zip') return Array.from({ length: lengths[0]! }, (_, i) => lengths.map(() => i));
  return lengths.reduce<number[][]>((acc, n) => acc.flatMap((c) => Array.from({ length: n }, (_, i) => [...c, i])), [[]]);
}

/** A file-name-safe rendering of one value. */
function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9.+_]+/g, '_').replace(/^_+|_+$/g, '') || '_';
}

/** An override set as dotted leaves: `{"distiller": {"name": "kd", "temperature": 4}}` → distiller.name, distiller.temperature. */
function leaves(set: OverrideSet, prefix = ''): [string, unknown][] {
  return Object.entries(set).flatMap(([k, v]) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length
      ? leaves(v as OverrideSet, `${prefix}${k}.`)
      : [[`${prefix}${k}`, v] as [string, unknown]],
  );
}

/**
 * The part of a name one override set contributes: a string value as itself (`dkd`, `resnet8x4`), anything else
 * after its key's last segment (`temperature4`, `lr0.1`); the distiller's name is left out, the method says it.
 */
export function setLabel(set: OverrideSet): string[] {
  return leaves(set)
    .filter(([k]) => k !== 'distiller.name')
    .map(([k, v]) => {
      const key = k.split('.').pop()!;
      if (typeof v === 'string') return slug(v);
      if (v === null || typeof v !== 'object') return slug(`${key}${String(v)}`);
      return slug(`${key}${createHash('sha256').update(stableStringify(v)).digest('hex').slice(0, 6)}`);
    });
}

/**
 * Every cell of the study, named. `methodOf` says a cell's method from its base and overrides (the distiller's name,
 * `scratch` without one); names that still collide get a short hash of what distinguishes them.
 */
export function expandStudy(study: Study, methodOf: (base: string, overrides: OverrideSet) => string): CellSpec[] {
  const cells: Omit<CellSpec, 'name' | 'group'>[] = [];
  for (const base of study.bases)
    for (const combo of combinations(study))
      for (const seed of study.seeds ?? [null]) {
        const picks: Record<string, number> = {};
        const overrides: Record<string, unknown> = {};
        study.axes.forEach((a, i) => {
          picks[a.name] = combo[i]!;
          Object.assign(overrides, a.sets[combo[i]!]);
        });
        if (seed !== null) overrides['training.seed'] = seed;
        cells.push({ base, picks, overrides, seed });
      }
  const baseLabel = (b: string) => (study.bases.length > 1 ? [slug(basename(b, extname(b)))] : []);
  const groups = cells.map((c) => {
    const { ['training.seed']: _seed, ...rest } = c.overrides;
    const method = slug(methodOf(c.base, rest));
    // A base file named after its method (bench/kd.json, bench/aekt-literal.json) names its group alone: `kd`, not
    // `kd-kd`; `aekt_literal`, not `aekt_literal-aekt`.
    const label = baseLabel(c.base);
    const named = label.length === 1 && (label[0] === method || label[0]!.startsWith(`${method}_`));
    return [...(named ? label : [...label, method]), ...study.axes.flatMap((a) => setLabel(a.sets[c.picks[a.name]!]!))].join('-');
  });
  // Groups that collide although their overrides differ are told apart by a hash of the base and the overrides.
  const distinct = new Map<string, Set<string>>();
  cells.forEach((c, i) => {
    const { ['training.seed']: _seed, ...rest } = c.overrides;
    const key = stableStringify({ base: c.base, rest });
    distinct.set(groups[i]!, (distinct.get(groups[i]!) ?? new Set()).add(key));
  });
  return cells.map((c, i) => {
    let group = groups[i]!;
    if (distinct.get(group)!.size > 1) {
      const { ['training.seed']: _seed, ...rest } = c.overrides;
      group = `${group}-${createHash('sha256')
        .update(stableStringify({ base: c.base, rest }))
        .digest('hex')
        .slice(0, 6)}`;
    }
    return { ...c, group, name: c.seed === null ? group : `${group}-s${c.seed}` };
  });
}
