import { createAjv, KdInputError } from '@kd/core';

type ValidateFunction = ReturnType<ReturnType<typeof createAjv>['compile']>;
const compiled = new WeakMap<object, ValidateFunction>();

/**
 * A dataset's options as its plugin factory receives them, from a config written by hand (a test, a benchmark, a
 * script calling the loader directly): validated against the plugin's schema, with the schema's defaults applied by
 * ajv as in a run. The loaders take the validated form, so their defaults are the schema's alone; the caller's object
 * is left as it was.
 */
export function datasetOptions<O>(schema: object, config: object, plugin: string): O {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = createAjv().compile(schema);
    compiled.set(schema, validate);
  }
  // A JSON round trip, as from a config file: undefined properties disappear and the caller's object is not completed in place.
  const options: unknown = JSON.parse(JSON.stringify(config));
  if (!validate(options)) {
    // A schema's `not` rule carries its message as the description (as kd's pipeline validator prints it).
    const details = (validate.errors ?? []).map((e) => {
      const described = e.keyword === 'not' ? (e.parentSchema as { description?: unknown } | undefined)?.description : undefined;
      return `${e.instancePath || '/'}: ${typeof described === 'string' ? described : (e.message ?? 'invalid')}`;
    });
    throw new KdInputError(`dataset "${plugin}": invalid options`, details);
  }
  return options as O;
}
