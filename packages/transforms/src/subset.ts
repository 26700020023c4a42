import { Rng, type ConfigOf } from '@kd/core';

/**
 * `pick` when a subset leaves it out. One constant because `selectSubset` is also called directly, without a
 * validated config, as well as with options ajv completed from the schema's default.
 */
const SUBSET_PICK_DEFAULT = 'random';

const subsetSchema = (split: string) =>
  ({
    type: 'object',
    additionalProperties: false,
    description: `Use part of the ${split} split: exactly one of count, fraction, perClass. No default: the whole split.`,
    properties: {
      count: { type: 'integer', minimum: 1, description: 'Keep this many images (all when the split is smaller).' },
      fraction: { type: 'number', exclusiveMinimum: 0, maximum: 1, description: 'Keep round(fraction·n) images, at least 1.' },
      perClass: { type: 'integer', minimum: 1, description: 'Keep this many images of each class (all of a class that has fewer).' },
      pick: {
        enum: ['first', 'random'],
        default: SUBSET_PICK_DEFAULT,
        description:
          '"first": the first images in file order; "random": a random choice drawn from the run seed (then kept in file order).',
      },
    },
    oneOf: [
      { properties: { count: true }, required: ['count'] },
      { properties: { fraction: true }, required: ['fraction'] },
      { properties: { perClass: true }, required: ['perClass'] },
    ],
  }) as const;

/** JSON Schema `properties` for `SplitOptions`, to spread into a dataset plugin's options schema. */
export const splitOptionsProperties = {
  valFraction: {
    type: 'number',
    exclusiveMinimum: 0,
    exclusiveMaximum: 1,
    description:
      'Hold out this fraction (rounded, at least 1 image) of the training images as the "val" split, chosen from the run seed. No default: no val split.',
  },
  valCount: {
    type: 'integer',
    minimum: 1,
    description: 'Hold out this many training images as the "val" split, chosen from the run seed. No default: no val split.',
  },
  trainSubset: subsetSchema('train'),
  valSubset: subsetSchema('val'),
  testSubset: subsetSchema('test'),
} as const;

/**
 * Which part of a split to keep: exactly one of count, fraction, perClass; `pick` `first` (a stable prefix in file
 * order) or `random` (drawn from the run seed). Optional `pick`: the helpers take configs before and after defaults.
 */
export type SubsetOptions = ConfigOf<ReturnType<typeof subsetSchema>>;

/** Options every kd dataset plugin that owns its splits accepts (mirror these names in new dataset plugins). */
export type SplitOptions = ConfigOf<{
  readonly type: 'object';
  readonly additionalProperties: false;
  readonly properties: typeof splitOptionsProperties;
}>;

/** Schema fragment forbidding valFraction together with valCount (add under `not`/`allOf` of a plugin schema). */
export const splitOptionsConstraint = {
  // kd's validator prints a failed `not`'s description at the pointer.
  description: '"valFraction" and "valCount" exclude each other: set one of them',
  not: { properties: { valFraction: true, valCount: true }, required: ['valFraction', 'valCount'] },
} as const;

function sorted(a: ArrayLike<number>): Int32Array {
  return Int32Array.from(a).sort();
}

/**
 * Splits indices 0..n-1 into train and val: a permutation drawn from Rng.derive(seed, 'split', 'val'), val its
 * first k. Both keep file order. The same seed gives the same split, whatever the epoch.
 */
export function holdOutValidation(
  n: number,
  options: Pick<SplitOptions, 'valFraction' | 'valCount'>,
  seed: number,
): { train: Int32Array; val: Int32Array | undefined } {
  const all = Int32Array.from({ length: n }, (_, i) => i);
  if (options.valFraction !== undefined && options.valCount !== undefined) throw new RangeError('valFraction and valCount are exclusive');
  const k = options.valCount ?? (options.valFraction !== undefined ? Math.max(1, Math.round(options.valFraction * n)) : 0);
  if (k === 0) return { train: all, val: undefined };
  if (k >= n) throw new RangeError(`a validation split of ${k} images leaves none of the ${n} training images`);
  const perm = Rng.derive(seed, 'split', 'val').permutation(n);
  return { train: sorted(perm.subarray(k)), val: sorted(perm.subarray(0, k)) };
}

/**
 * The subset of `indices` (file order) that `options` keeps; random picks come from Rng.derive(seed, 'subset', split).
 * The result keeps file order.
 */
export function selectSubset(
  indices: Int32Array,
  labels: ArrayLike<number>,
  options: SubsetOptions | undefined,
  seed: number,
  split: string,
): Int32Array {
  if (!options) return indices;
  const random = (options.pick ?? SUBSET_PICK_DEFAULT) === 'random';
  const rng = Rng.derive(seed, 'subset', split);
  const order = random ? Int32Array.from(rng.permutation(indices.length), (p) => indices[p]!) : indices;
  if (options.perClass !== undefined) {
    const taken = new Map<number, number>();
    const keep: number[] = [];
    for (const i of order) {
      const c = labels[i]!;
      const t = taken.get(c) ?? 0;
      if (t < options.perClass) {
        taken.set(c, t + 1);
        keep.push(i);
      }
    }
    return sorted(keep);
  }
  const k =
    options.count !== undefined
      ? Math.min(options.count, indices.length)
      : options.fraction !== undefined
        ? Math.min(indices.length, Math.max(1, Math.round(options.fraction * indices.length)))
        : indices.length;
  return sorted(order.subarray(0, k));
}
