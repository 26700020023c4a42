/** The keys of `T` whose values are numbers. */
type NumberKey<T> = { [K in keyof T]-?: T[K] extends number ? K : never }[keyof T];

/**
 * The options of a published loss (KD's, DKD's, AEKT's) called directly, without a config: the caller's values over
 * `defaults`, the constant its options schema's defaults reference, and the schema's bounds checked again because no
 * ajv ran. `atLeastZero` names the options that must be finite and ≥ 0 (the weights), `aboveZero` those that must be
 * finite and > 0 (the temperature); a RangeError names the loss, the option and the value. An option given as
 * `undefined` keeps its default. Returns a fresh object: `defaults` is never written.
 */
export function completeLossOptions<T extends object>(
  method: string,
  defaults: Readonly<T>,
  options: { readonly [K in keyof T]?: T[K] },
  bounds: { readonly atLeastZero?: readonly NumberKey<T>[]; readonly aboveZero?: readonly NumberKey<T>[] },
): T {
  const o = { ...defaults } as T;
  for (const key of Object.keys(defaults) as (keyof T)[]) {
    const value = options[key];
    if (value !== undefined) o[key] = value as T[keyof T];
  }
  const check = (keys: readonly NumberKey<T>[] | undefined, strict: boolean) => {
    for (const key of keys ?? []) {
      const value = o[key] as number;
      if (!Number.isFinite(value) || (strict ? value <= 0 : value < 0)) {
        throw new RangeError(`${method} loss: ${String(key)} must be a finite number ${strict ? '>' : '≥'} 0, got ${value}`);
      }
    }
  };
  check(bounds.atLeastZero, false);
  check(bounds.aboveZero, true);
  return o;
}
