/** One line of events.jsonl. `time` is the wall clock (ISO 8601) when the record was written. */
export type TrackerRecord =
  | { readonly type: 'runStart'; readonly time: string; readonly runDir: string; readonly resumedFromEpoch: number | null }
  | {
      readonly type: 'step';
      readonly time: string;
      readonly stage: string;
      readonly epoch: number;
      readonly step: number;
      readonly steps: number;
      readonly batchSize: number;
      readonly lr: number;
      readonly losses: Readonly<Record<string, number | null>>;
      /** Extra scalars the distiller logged (e.g. its current loss weight); absent when it logs none. */
      readonly scalars?: Readonly<Record<string, number | null>>;
      /** The batch's training accuracy; absent for distillers that own their update. */
      readonly trainTop1?: number;
    }
  | {
      readonly type: 'epoch';
      readonly time: string;
      readonly stage: string;
      readonly epoch: number;
      readonly metrics: Readonly<Record<string, number | null>>;
    }
  | { readonly type: 'warning'; readonly time: string; readonly message: string }
  | { readonly type: 'runEnd'; readonly time: string; readonly status: 'finished' | 'failed' | 'interrupted'; readonly message?: string };

const scalars = {
  type: 'object',
  additionalProperties: { type: ['number', 'null'] },
  description: 'Scalars by name; a non-finite value (NaN, ±Inf) is written as null, as JSON has no such numbers.',
} as const;
const common = { time: { type: 'string', format: 'date-time' } } as const;

/** JSON Schema (draft 2020-12) of one line of events.jsonl, for readers that validate what they load. */
export const trackerRecordSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'kd:tracker-jsonl/record',
  title: 'kd tracker record',
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'time', 'runDir', 'resumedFromEpoch'],
      properties: {
        type: { const: 'runStart' },
        ...common,
        runDir: { type: 'string' },
        resumedFromEpoch: {
          type: ['integer', 'null'],
          description: 'Epochs the run had finished when it was resumed; records after this one replace later ones of the earlier attempt.',
        },
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'time', 'stage', 'epoch', 'step', 'steps', 'batchSize', 'lr', 'losses'],
      properties: {
        type: { const: 'step' },
        ...common,
        stage: { type: 'string' },
        epoch: { type: 'integer', minimum: 0 },
        step: { type: 'integer', minimum: 0 },
        steps: { type: 'integer', minimum: 1 },
        batchSize: { type: 'integer', minimum: 1 },
        lr: { type: 'number' },
        losses: scalars,
        scalars: { ...scalars, description: 'Extra scalars the distiller logged for the step (e.g. its current loss weight).' },
        trainTop1: { type: 'number', minimum: 0, maximum: 1, description: 'The batch’s training accuracy.' },
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'time', 'stage', 'epoch', 'metrics'],
      properties: {
        type: { const: 'epoch' },
        ...common,
        stage: { type: 'string' },
        epoch: { type: 'integer', minimum: 0 },
        metrics: scalars,
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'time', 'message'],
      properties: { type: { const: 'warning' }, ...common, message: { type: 'string' } },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'time', 'status'],
      properties: {
        type: { const: 'runEnd' },
        ...common,
        status: { enum: ['finished', 'failed', 'interrupted'] },
        message: { type: 'string' },
      },
    },
  ],
} as const;

/** The CSV header of events.csv; each scalar of a record is one row. */
export const CSV_COLUMNS = ['time', 'type', 'stage', 'epoch', 'step', 'key', 'value'] as const;
