import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunEvents } from '@kd/core';
import { tempDir } from '@kd/testing';
import { FakeMlflowServer } from '../test/fake-mlflow-server.js';
import { flattenParams } from './flatten-params.js';
import { mlflowOptionsSchema, type MlflowOptions } from './mlflow.options.js';
import { MLFLOW_RUN_FILE, MlflowTracker } from './mlflow.tracker.js';

const options = (trackingUri: string, o: Partial<MlflowOptions> = {}): MlflowOptions => ({
  name: 'mlflow',
  trackingUri,
  experimentName: 'kd-tests',
  runName: '',
  steps: true,
  timeoutMs: 5000,
  ...o,
});

const CONFIG = { training: { optimizer: { type: 'sgd', lr: 0.05 }, epochs: 2 }, evaluators: [{ name: 'accuracy' }], plugins: [], x: {} };

/** Emits a synthetic run: `epochs` epochs of `steps` steps, loss terms ce and kd, accuracy per epoch. */
async function emitRun(
  events: RunEvents,
  runDir: string,
  epochs: number,
  steps: number,
  from = 0,
  lossOf = (e: number, s: number) => 2 - 0.1 * (e * steps + s),
) {
  await events.emit('runStart', { runDir, config: CONFIG, resumedFromEpoch: from === 0 ? null : from });
  await events.emit('stageStart', { stage: 'main', epochs });
  for (let epoch = from; epoch < epochs; epoch++) {
    await events.emit('epochStart', { stage: 'main', epoch, epochs, steps });
    for (let step = 0; step < steps; step++)
      await events.emit('stepEnd', {
        stage: 'main',
        epoch,
        epochs,
        step,
        steps,
        batchSize: 8,
        lr: 0.1 / (epoch + 1),
        losses: { ce: lossOf(epoch, step), kd: step === 1 ? NaN : 0.5 },
      });
    await events.emit('epochEnd', { stage: 'main', epoch, epochs, record: {}, metrics: { 'accuracy.top1': 0.5 + 0.1 * epoch } });
  }
  await events.emit('stageEnd', { stage: 'main', epochs });
}

describe('MLflow tracker against a fake server that checks the documented REST API', () => {
  const work = tempDir('kd-mlflow-');
  let server: FakeMlflowServer;
  beforeEach(async () => {
    server = await new FakeMlflowServer().start();
  });
  afterEach(async () => {
    expect(server.violations).toEqual([]);
    await server.stop();
  });

  it('creates the experiment and run, logs the flattened config, batches metrics per epoch and ends FINISHED', async () => {
    const events = new RunEvents();
    const tracker = new MlflowTracker(options(server.url), undefined, () => 1_700_000_000_000);
    tracker.attach(events);
    const runDir = join(work, 'run-a');
    await emitRun(events, runDir, 2, 3);
    await tracker.close({ status: 'finished' });

    const routes = server.exchanges.map((x) => `${x.method} ${x.path.replace('/api/2.0/mlflow/', '')} ${x.status}`);
    expect(routes).toEqual([
      'GET experiments/get-by-name 404',
      'POST experiments/create 200',
      'POST runs/create 200',
      'POST runs/log-batch 200', // params
      'POST runs/log-batch 200', // epoch 0
      'POST runs/log-batch 200', // epoch 1
      'POST runs/update 200',
    ]);
    expect(server.exchanges[0]!.query).toEqual({ experiment_name: 'kd-tests' });
    const [run] = [...server.runs.values()];
    expect(run!.experimentId).toBe(server.experiments.get('kd-tests'));
    expect(run!.runName).toBe('run-a');
    expect(run!.status).toBe('FINISHED');
    expect(run!.endTime).toBe(1_700_000_000_000);
    expect(Object.fromEntries(run!.params)).toEqual({
      'training.optimizer.type': 'sgd',
      'training.optimizer.lr': '0.05',
      'training.epochs': '2',
      'evaluators.0.name': 'accuracy',
      plugins: '[]',
      x: '{}',
    });
    // 3 steps × (lr, ce, kd) per epoch + 1 epoch metric, each epoch in its own request.
    expect(server.exchanges.filter((x) => x.path.endsWith('log-batch')).map((x) => (x.body!['metrics'] as unknown[]).length)).toEqual([
      0, 10, 10,
    ]);
    const series = (key: string) => run!.metrics.filter((m) => m.key === key).map((m) => [m.step, m.value]);
    expect(series('loss/ce')).toEqual([0, 1, 2, 3, 4, 5].map((i) => [i + 1, 2 - 0.1 * i]));
    expect(series('lr')).toEqual([1, 2, 3, 4, 5, 6].map((s) => [s, s <= 3 ? 0.1 : 0.05]));
    expect(series('accuracy.top1')).toEqual([
      [1, 0.5],
      [2, 0.6],
    ]);
    // A NaN loss travels as proto3 JSON's "NaN" string.
    expect(series('loss/kd').filter(([, v]) => Number.isNaN(v))).toHaveLength(2);
    expect(JSON.parse(readFileSync(join(runDir, MLFLOW_RUN_FILE), 'utf8'))).toEqual({
      runId: run!.runId,
      trackingUri: server.url,
      experimentId: run!.experimentId,
    });
  });

  it('splits more than 1000 metrics of an epoch into several log-batch requests', async () => {
    const events = new RunEvents();
    const tracker = new MlflowTracker(options(server.url, { experimentName: 'Default', runName: 'big' }));
    tracker.attach(events);
    await emitRun(events, join(work, 'run-big'), 1, 700);
    await tracker.close({ status: 'finished' });
    const sizes = server.exchanges.filter((x) => x.path.endsWith('log-batch')).map((x) => (x.body!['metrics'] as unknown[]).length);
    expect(sizes.every((n) => n <= 1000)).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(700 * 3 + 1);
    expect([...server.runs.values()][0]!.runName).toBe('big');
    expect(server.exchanges.some((x) => x.path.endsWith('experiments/create'))).toBe(false);
  });

  it('a resumed run continues the same MLflow run; failures end FAILED, interruptions KILLED', async () => {
    const runDir = join(work, 'run-resume');
    const first = new MlflowTracker(options(server.url));
    const e1 = new RunEvents();
    first.attach(e1);
    await emitRun(e1, runDir, 1, 2);
    await first.close({ status: 'interrupted', message: 'SIGINT' });
    const [run] = [...server.runs.values()];
    expect(run!.status).toBe('KILLED');

    const second = new MlflowTracker(options(server.url));
    const e2 = new RunEvents();
    second.attach(e2);
    await emitRun(e2, runDir, 2, 2, 1);
    await second.close({ status: 'failed', message: 'boom' });
    expect(server.runs.size).toBe(1);
    expect(run!.status).toBe('FAILED');
    expect(run!.metrics.filter((m) => m.key === 'accuracy.top1').map((m) => m.step)).toEqual([1, 2]);
    expect(server.exchanges.filter((x) => x.path.endsWith('runs/update')).map((x) => x.body!['status'])).toEqual([
      'KILLED',
      'RUNNING',
      'FAILED',
    ]);
  });

  it('sends MLFLOW_TRACKING_TOKEN as a bearer token', async () => {
    process.env['MLFLOW_TRACKING_TOKEN'] = 'secret-token';
    try {
      const events = new RunEvents();
      const tracker = new MlflowTracker(options(server.url));
      tracker.attach(events);
      await emitRun(events, join(work, 'run-auth'), 1, 1);
      await tracker.close({ status: 'finished' });
    } finally {
      delete process.env['MLFLOW_TRACKING_TOKEN'];
    }
    expect(server.exchanges.every((x) => x.headers['authorization'] === 'Bearer secret-token')).toBe(true);
  });

  it('throws a clear error when the server is down, and records nothing afterwards', async () => {
    const url = server.url;
    await server.stop();
    const events = new RunEvents();
    const tracker = new MlflowTracker(options(url, { timeoutMs: 2000 }));
    tracker.attach(events);
    await expect(events.emit('runStart', { runDir: join(work, 'down'), config: {}, resumedFromEpoch: null })).rejects.toThrow(
      /MLflow GET http:\/\/127\.0\.0\.1:\d+\/api\/2\.0\/mlflow\/experiments\/get-by-name/,
    );
    await events.emit('stepEnd', { stage: 'main', epoch: 0, epochs: 1, step: 0, steps: 1, batchSize: 1, lr: 1, losses: { ce: 1 } });
    await events.emit('epochEnd', { stage: 'main', epoch: 0, epochs: 1, record: {}, metrics: { a: 1 } });
    await expect(tracker.close({ status: 'finished' })).resolves.toBeUndefined();
    server = await new FakeMlflowServer().start(); // for afterEach
  });
});

describe('flattenParams', () => {
  it('keys leaves by dotted path, keeps values within MLflow limits', () => {
    expect(flattenParams({ a: { b: [1, { c: true }], d: null }, 'e f': 'x' })).toEqual([
      { key: 'a.b.0', value: '1' },
      { key: 'a.b.1.c', value: 'true' },
      { key: 'a.d', value: 'null' },
      { key: 'e f', value: 'x' },
    ]);
    const long = flattenParams({ $schema: 'y'.repeat(600) })[0]!;
    expect(long.key).toBe('_schema');
    expect(long.value).toHaveLength(500);
  });

  it('the schema default tracking URI is where `mlflow server` listens by default', () => {
    expect(mlflowOptionsSchema.properties.trackingUri.default).toBe('http://127.0.0.1:5000');
  });
});
