import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { RunEvents } from '@kd/core';
import { tempDir } from '@kd/testing';
import { JsonlTracker } from './jsonl.tracker.js';
import { LineAppender } from './append-file.js';
import { CSV_COLUMNS, trackerRecordSchema } from './tracker-record.js';

const TIME = new Date('2024-01-02T03:04:05.000Z');

async function emitRun(events: RunEvents, runDir: string) {
  await events.emit('runStart', { runDir, config: {}, resumedFromEpoch: null });
  await events.emit('epochStart', { stage: 'main', epoch: 0, epochs: 1, steps: 2 });
  await events.emit('stepEnd', {
    stage: 'main',
    epoch: 0,
    epochs: 1,
    step: 0,
    steps: 2,
    batchSize: 4,
    lr: 0.1,
    losses: { ce: 2.5, kd: 0.25 },
  });
  await events.emit('warning', { message: 'loss spike, "total" 9, x' });
  await events.emit('stepEnd', {
    stage: 'main',
    epoch: 0,
    epochs: 1,
    step: 1,
    steps: 2,
    batchSize: 4,
    lr: 0.05,
    losses: { ce: Infinity, kd: 0.125 },
  });
  await events.emit('epochEnd', { stage: 'main', epoch: 0, epochs: 1, record: { ignored: 1 }, metrics: { 'accuracy.top1': 0.75 } });
}

/** A minimal RFC 4180 parser, apart from the writer's quoting. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  return rows;
}

describe('jsonl tracker', () => {
  const work = tempDir('kd-jsonl-');

  it('writes one schema-valid JSON line per step and per epoch, and the same scalars as CSV rows', async () => {
    const runDir = join(work, 'a');
    const events = new RunEvents();
    const tracker = new JsonlTracker({ name: 'jsonl', dir: 'tracker', formats: ['jsonl', 'csv'], steps: true }, () => TIME);
    tracker.attach(events);
    await emitRun(events, runDir);
    tracker.close({ status: 'finished' });

    const lines = readFileSync(join(runDir, 'tracker', 'events.jsonl'), 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const validate = new Ajv2020({ strict: false }).compile(trackerRecordSchema);
    for (const r of records) expect(validate(r), JSON.stringify(validate.errors)).toBe(true);
    expect(records.map((r) => r['type'])).toEqual(['runStart', 'step', 'warning', 'step', 'epoch', 'runEnd']);
    expect(records[1]).toEqual({
      type: 'step',
      time: TIME.toISOString(),
      stage: 'main',
      epoch: 0,
      step: 0,
      steps: 2,
      batchSize: 4,
      lr: 0.1,
      losses: { ce: 2.5, kd: 0.25 },
    });
    expect(records[3]!['losses']).toEqual({ ce: null, kd: 0.125 });
    expect(records[4]).toEqual({ type: 'epoch', time: TIME.toISOString(), stage: 'main', epoch: 0, metrics: { 'accuracy.top1': 0.75 } });
    expect(records[5]).toEqual({ type: 'runEnd', time: TIME.toISOString(), status: 'finished' });

    const rows = parseCsv(readFileSync(join(runDir, 'tracker', 'events.csv'), 'utf8'));
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    const t = TIME.toISOString();
    expect(rows.slice(1)).toEqual([
      [t, 'runStart', '', '', '', 'resumedFromEpoch', ''],
      [t, 'step', 'main', '0', '0', 'lr', '0.1'],
      [t, 'step', 'main', '0', '0', 'loss.ce', '2.5'],
      [t, 'step', 'main', '0', '0', 'loss.kd', '0.25'],
      [t, 'warning', '', '', '', 'message', 'loss spike, "total" 9, x'],
      [t, 'step', 'main', '0', '1', 'lr', '0.05'],
      [t, 'step', 'main', '0', '1', 'loss.ce', ''],
      [t, 'step', 'main', '0', '1', 'loss.kd', '0.125'],
      [t, 'epoch', 'main', '0', '', 'accuracy.top1', '0.75'],
      [t, 'runEnd', '', '', '', 'status', 'finished'],
    ]);
  });

  it('steps: false keeps only the epoch records; a second run appends without a second CSV header', async () => {
    const runDir = join(work, 'b');
    for (const status of ['interrupted', 'finished'] as const) {
      const events = new RunEvents();
      const tracker = new JsonlTracker({ name: 'jsonl', dir: 'log', formats: ['csv', 'jsonl'], steps: false }, () => TIME);
      tracker.attach(events);
      await emitRun(events, runDir);
      tracker.close({ status, ...(status === 'interrupted' ? { message: 'SIGINT' } : {}) });
    }
    const types = readFileSync(join(runDir, 'log', 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { type: string }).type);
    expect(types).toEqual(['runStart', 'warning', 'epoch', 'runEnd', 'runStart', 'warning', 'epoch', 'runEnd']);
    const csv = readFileSync(join(runDir, 'log', 'events.csv'), 'utf8');
    expect(csv.split('\n').filter((l) => l === CSV_COLUMNS.join(','))).toHaveLength(1);
  });

  it('records a distiller’s extra scalars and the batch’s training accuracy with the step, in both formats', async () => {
    const runDir = join(work, 'scalars');
    const events = new RunEvents();
    const tracker = new JsonlTracker({ name: 'jsonl', dir: 'tracker', formats: ['jsonl', 'csv'], steps: true }, () => TIME);
    tracker.attach(events);
    await events.emit('runStart', { runDir, config: {}, resumedFromEpoch: null });
    await events.emit('stepEnd', {
      stage: 'main',
      epoch: 0,
      epochs: 1,
      step: 0,
      steps: 1,
      batchSize: 8,
      lr: 0.1,
      losses: { total: 1.5 },
      scalars: { kdWeight: 0.25, tau: NaN },
      trainTop1: 0.375,
    });
    tracker.close({ status: 'finished' });
    const step = readFileSync(join(runDir, 'tracker', 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)[1]!;
    expect(new Ajv2020({ strict: false }).compile(trackerRecordSchema)(step)).toBe(true);
    expect(step['scalars']).toEqual({ kdWeight: 0.25, tau: null });
    expect(step['trainTop1']).toBe(0.375);
    const rows = parseCsv(readFileSync(join(runDir, 'tracker', 'events.csv'), 'utf8')).filter((r) => r[1] === 'step');
    expect(rows.map((r) => [r[5], r[6]])).toEqual([
      ['lr', '0.1'],
      ['loss.total', '1.5'],
      ['scalar.kdWeight', '0.25'],
      ['scalar.tau', ''],
      ['train.top1', '0.375'],
    ]);
  });

  it('cuts a torn last line (a crash mid-write) before appending', () => {
    const file = join(work, 'torn.jsonl');
    writeFileSync(file, '{"a":1}\n{"b":');
    const a = new LineAppender(file);
    a.append('{"c":3}');
    a.close();
    expect(readFileSync(file, 'utf8')).toBe('{"a":1}\n{"c":3}\n');
    writeFileSync(file, 'no newline at all');
    new LineAppender(file).close();
    expect(readFileSync(file, 'utf8')).toBe('');
    appendFileSync(file, '{"d":4}\n');
    new LineAppender(file).close();
    expect(readFileSync(file, 'utf8')).toBe('{"d":4}\n');
  });

  it('fails loudly (for core to turn into a warning) when the directory cannot be created', async () => {
    const blocker = join(work, 'blocker');
    writeFileSync(blocker, 'a file, not a directory');
    const events = new RunEvents();
    new JsonlTracker({ name: 'jsonl', dir: 'tracker', formats: ['jsonl'], steps: true }).attach(events);
    await expect(events.emit('runStart', { runDir: blocker, config: {}, resumedFromEpoch: null })).rejects.toThrow(/ENOTDIR|EEXIST/);
  });
});
