import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunEvents, type RunEventMap } from '@kd/core';
import { kdStudentOf, metricsLines, sourceRuntime, TEACHER_BACKBONE, tempDir, tinyConfig, writeConfig } from '@kd/testing';
import { readTfEvents } from '@kd/tracker-tensorboard';
import { FakeMlflowServer } from './fake-mlflow-server.js';

const config = (outDir: string, overrides: Record<string, unknown>) =>
  tinyConfig(outDir, overrides, { trainLimit: 128, testLimit: 64, epochs: 2, seed: 5, evalBatchSize: 32 });

/** A tiny KD run with all three trackers; each one's output is read back apart from the code that wrote it. */
describe('trackers in a KD run (Fashion-MNIST subset, tiny CNNs)', () => {
  const work = tempDir('kd-trackers-');
  /** A KD student of the trained teacher reporting to `trackers`. */
  const writeStudent = (name: string, trackers: object[]) => writeConfig(work, `${name}.json`, config(name, kdStudentOf({ trackers })));
  const runtime = sourceRuntime();
  let server: FakeMlflowServer;
  const steps: RunEventMap['stepEnd'][] = [];
  const warnings: string[] = [];
  let runDir = '';

  beforeAll(async () => {
    server = await new FakeMlflowServer().start();
    await runtime.run(writeConfig(work, 'teacher.json', config('teacher', { student: { backbone: TEACHER_BACKBONE } })));
    const file = writeStudent('student', [
      { name: 'tensorboard' },
      { name: 'jsonl' },
      { name: 'mlflow', trackingUri: server.url, experimentName: 'kd-e2e' },
    ]);
    const events = new RunEvents();
    events.on('stepEnd', (e) => void steps.push(e));
    events.on('warning', (e) => void warnings.push(e.message));
    runDir = (await runtime.run(file, { events })).runDir;
  }, 240_000);

  afterAll(async () => {
    await server.stop();
  });

  it('the run itself is unaffected: two epochs, no tracker warning', () => {
    expect(metricsLines(runDir)).toHaveLength(2);
    expect(warnings.filter((w) => w.includes('tracker'))).toEqual([]);
    expect(steps.length).toBeGreaterThan(4);
  });

  it('TensorBoard: one event file whose scalars are the step losses, learning rate and epoch metrics', () => {
    const dir = join(runDir, 'tensorboard');
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^events\.out\.tfevents\.\d+\./);
    const events = readTfEvents(join(dir, files[0]!));
    expect(events[0]!.fileVersion).toBe('brain.Event:2');
    const scalar = (tag: string) => events.flatMap((e) => (e.values ?? []).filter((v) => v.tag === tag).map((v) => [e.step, v.value]));
    const perEpoch = steps.filter((s) => s.epoch === 0).length;
    expect(scalar('step/lr')).toEqual(steps.map((s) => [s.epoch * s.steps + s.step + 1, Math.fround(s.lr)]));
    for (const term of Object.keys(steps[0]!.losses))
      expect(scalar(`step/loss/${term}`)).toEqual(steps.map((s) => [s.epoch * s.steps + s.step + 1, Math.fround(s.losses[term]!)]));
    const lines = metricsLines(runDir);
    expect(scalar('epoch/student.top1')).toEqual(
      lines.map((l, i) => [(i + 1) * perEpoch, Math.fround(l.metrics['student.top1'] as number)]),
    );
  });

  it('JSONL/CSV: one line per step and per epoch, matching the run events and metrics.jsonl', () => {
    const records = readFileSync(join(runDir, 'tracker', 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.filter((r) => r['type'] === 'step').map((r) => r['losses'])).toEqual(steps.map((s) => s.losses));
    const epochs = records.filter((r) => r['type'] === 'epoch');
    expect(epochs.map((r) => (r['metrics'] as Record<string, number>)['student.top1'])).toEqual(
      metricsLines(runDir).map((l) => l.metrics['student.top1']),
    );
    expect(records.at(-1)).toMatchObject({ type: 'runEnd', status: 'finished' });
    const csv = readFileSync(join(runDir, 'tracker', 'events.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(csv.filter((l) => l.includes(',step,') && l.includes(',lr,'))).toHaveLength(steps.length);
  });

  it('MLflow: the resolved config as params, the same metrics, FINISHED, with no request breaking the REST API', () => {
    expect(server.violations).toEqual([]);
    expect(server.runs.size).toBe(1);
    const [run] = [...server.runs.values()];
    expect(run!.status).toBe('FINISHED');
    expect(run!.runName).toBe('student');
    expect(run!.params.get('distiller.name')).toBe('kd');
    expect(run!.params.get('training.optimizer.lr')).toBe('0.05');
    expect(run!.params.get('trackers.2.experimentName')).toBe('kd-e2e');
    const series = (key: string) => run!.metrics.filter((m) => m.key === key).map((m) => [m.step, m.value]);
    expect(series('lr')).toEqual(steps.map((s) => [s.epoch * s.steps + s.step + 1, s.lr]));
    expect(series('student.top1')).toEqual(metricsLines(runDir).map((l, i) => [i + 1, l.metrics['student.top1']]));
  });

  it('a tracker that fails (MLflow server down) becomes a warning and the run still finishes', async () => {
    const down = await new FakeMlflowServer().start();
    const url = down.url;
    await down.stop();
    // jsonl first: trackers hear each event in config order, so it has opened its file when mlflow's warning comes.
    const file = writeStudent('down', [{ name: 'jsonl' }, { name: 'mlflow', trackingUri: url, timeoutMs: 2000 }]);
    const events = new RunEvents();
    const seen: string[] = [];
    events.on('warning', (e) => void seen.push(e.message));
    const result = await runtime.run(file, { events });
    expect(result.summary.status).toBe('finished');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/^tracker "mlflow" failed on runStart: MLflow GET .*get-by-name.*\(the run goes on\)$/);
    // The other tracker recorded the warning and the whole run.
    const types = readFileSync(join(result.runDir, 'tracker', 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { type: string }).type);
    expect(types.filter((t) => t === 'warning')).toHaveLength(1);
    expect(types.at(-1)).toBe('runEnd');
  }, 240_000);
});
