/** JSON Schema (draft 2020-12) of a study file: what `kd sweep` expands into cells. */
export const STUDY_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://kd.dev/schema/study.json',
  title: 'kd study',
  description: 'A grid of kd runs: base configs × axes of overrides × seeds, each cell a run directory under the output root.',
  type: 'object',
  additionalProperties: false,
  required: ['base', 'output'],
  properties: {
    $schema: { type: 'string', description: 'The schema, for editors.' },
    description: { type: 'string', description: 'What the study is for (not part of any cell).' },
    base: {
      description: 'The base config file, or several (each expanded with every axis combination); paths relative to the study file.',
      oneOf: [
        { type: 'string', minLength: 1 },
        { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', minLength: 1 } },
      ],
    },
    axes: {
      type: 'object',
      default: {},
      description:
        'Named axes, in order. Each is a list of override sets: {"distiller.name": "kd", "distiller.temperature": 4} sets those dotted ' +
        'config paths to those JSON values. A cell takes one set from every axis.',
      propertyNames: { pattern: '^[A-Za-z0-9_.+-]+$' },
      additionalProperties: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          description: 'Dotted config path → JSON value.',
          propertyNames: { pattern: '^[^.=\\s]+(\\.[^.=\\s]+)*$' },
        },
      },
    },
    combine: {
      enum: ['product', 'zip'],
      default: 'product',
      description:
        'product: every combination of the axes; zip: the i-th set of every axis together (axes of equal length). Seeds always multiply.',
    },
    seeds: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'integer', minimum: 0 },
      description: 'training.seed of each replicate. No default: each cell keeps its config’s seed.',
    },
    output: {
      type: 'string',
      minLength: 1,
      description: 'The output root, relative to the study file: cells/<name>.json, runs/<name>/, logs/<name>.log.',
    },
    compare: {
      type: 'array',
      uniqueItems: true,
      items: { type: 'string', minLength: 1 },
      default: [],
      description:
        'Groups (cell names without the seed, as `kd sweep --dry-run` lists them) that every other group is compared with in the report: the difference of mean last-epoch metrics with its 95 % Welch confidence interval over the seeds, marked where the interval excludes 0.',
    },
    threads: {
      type: 'integer',
      minimum: 1,
      maximum: 64,
      default: 1,
      description:
        'KD_WASM_THREADS of every cell’s run, whatever the number of jobs, so a result does not depend on how the study was executed.',
    },
  },
} as const;
