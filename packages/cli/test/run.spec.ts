import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { RunEvents } from '@kd/core';
import { KdRuntime } from '@kd/core/host';
import { main } from '../src/main.js';
import { repoRoot, sourceImporter, tempDir, tinyConfig, writeConfig } from '@kd/testing';
import { captureIo } from './helpers.js';

type Line = {
  epoch: number;
  loss: Record<string, number>;
  metrics: Record<string, number>;
  memory: { numTensors: number; numBytes: number };
};

function metrics(runDir: string): Line[] {
  return readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);
}

/** Everything but wall-clock time: these must be identical between equivalent runs. */
function deterministicPart(lines: Line[]) {
  return lines.map(({ epoch, loss, metrics: m, memory }) => ({ epoch, loss, metrics: m, numTensors: memory.numTensors }));
}

describe('kd run, end to end on the bundled Fashion-MNIST subset', () => {
  const work = tempDir();
  let first: Line[];

  it('trains, writes the run directory, and keeps tf.memory().numTensors constant across epochs', async () => {
    const file = writeConfig(work, 'a.json', tinyConfig('run-a'));
    const io = captureIo();
    const code = await main(['run', file], io, { importer: sourceImporter });
    expect(code, io.stderr).toBe(0);
    const runDir = join(work, 'run-a');
    for (const f of ['config.json', 'provenance.json', 'metrics.jsonl', 'summary.json', 'final/network.json', 'checkpoints/latest.json'])
      expect(existsSync(join(runDir, f)), f).toBe(true);
    first = metrics(runDir);
    expect(first).toHaveLength(3);
    const counts = first.map((l) => l.memory.numTensors);
    expect(new Set(counts).size, `numTensors per epoch: ${counts.join(', ')}`).toBe(1);
    // It learned something: 10 balanced classes give 10% by chance.
    expect(first[2]!.metrics['student.top1']).toBeGreaterThan(0.2);
    const prov = JSON.parse(readFileSync(join(runDir, 'provenance.json'), 'utf8'));
    expect(prov.backend.name).toBe('wasm');
    expect(prov.seed).toBe(7);
    expect(prov.packages['@kd/backbone-cnn']).toBe('0.1.0');
    expect(io.stderr).toContain('epoch 3/3');
  });

  it('gives identical metrics for the same seed', async () => {
    const file = writeConfig(work, 'b.json', tinyConfig('run-b'));
    expect(await main(['run', file], captureIo(), { importer: sourceImporter })).toBe(0);
    expect(deterministicPart(metrics(join(work, 'run-b')))).toEqual(deterministicPart(first));
  });

  it('gives different numbers for another seed', async () => {
    const cfg = tinyConfig('run-c');
    (cfg['training'] as Record<string, unknown>)['seed'] = 8;
    const file = writeConfig(work, 'c.json', cfg);
    expect(await main(['run', file], captureIo(), { importer: sourceImporter })).toBe(0);
    expect(metrics(join(work, 'run-c'))[0]!.loss).not.toEqual(first[0]!.loss);
  });

  it('resumes an interrupted run and reaches the same final metrics as the uninterrupted one', async () => {
    const file = writeConfig(work, 'd.json', tinyConfig('run-d'));
    const runtime = new KdRuntime({ root: repoRoot, importer: sourceImporter });
    const events = new RunEvents();
    events.on('epochEnd', (e) => {
      if (e.epoch === 0) throw new Error('simulated crash after the first epoch');
    });
    await expect(runtime.run(file, { events })).rejects.toThrow('simulated crash');
    const runDir = join(work, 'run-d');
    // The failure is recorded where every reader looks, with the reason.
    const failed = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'));
    expect(failed).toMatchObject({ status: 'failed', failure: { kind: 'error', message: 'simulated crash after the first epoch' } });
    expect(existsSync(join(runDir, 'final'))).toBe(false);
    expect(metrics(runDir)).toHaveLength(1);
    // A fresh start refuses to clobber the interrupted run and points at --resume.
    const io = captureIo();
    expect(await main(['run', file], io, { importer: sourceImporter })).toBe(2);
    expect(io.stderr).toContain('--resume');
    const io2 = captureIo();
    expect(await main(['run', '--resume', runDir], io2, { importer: sourceImporter }), io2.stderr).toBe(0);
    expect(deterministicPart(metrics(runDir))).toEqual(deterministicPart(first));
    const a = JSON.parse(readFileSync(join(work, 'run-a', 'summary.json'), 'utf8'));
    const d = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'));
    expect(d.final).toEqual(a.final);
    expect(d).toMatchObject({ status: 'finished', failure: null });
    expect(readFileSync(join(runDir, 'final', 'network.bin'))).toEqual(readFileSync(join(work, 'run-a', 'final', 'network.bin')));
  });

  it('keeps only the newest checkpoints, each complete', () => {
    const dirs = readdirSync(join(work, 'run-a', 'checkpoints')).filter((d) => !d.endsWith('.json'));
    expect(dirs).toEqual(['s0-train-e0002', 's0-train-e0003']);
    for (const d of dirs) expect(existsSync(join(work, 'run-a', 'checkpoints', d, 'state.bin'))).toBe(true);
  });

  it('distils a student from a trained teacher with kd, and reports teacher accuracy', async () => {
    const teacherFile = writeConfig(work, 't.json', tinyConfig('teacher', { student: { backbone: { name: 'cnn', channels: [8, 16] } } }));
    expect(await main(['run', teacherFile], captureIo(), { importer: sourceImporter })).toBe(0);
    const kdFile = writeConfig(
      work,
      'kd.json',
      tinyConfig('kd', {
        teacher: { backbone: { name: 'cnn', channels: [8, 16] }, weights: 'teacher' },
        distiller: { name: 'kd', temperature: 4 },
      }),
    );
    const io = captureIo();
    expect(await main(['run', kdFile, '--json'], io, { importer: sourceImporter }), io.stderr).toBe(0);
    const summary = JSON.parse(io.stdout);
    const teacherSummary = JSON.parse(readFileSync(join(work, 'teacher', 'summary.json'), 'utf8'));
    // The loaded teacher reproduces the accuracy it had when it finished training.
    expect(summary.final['teacher.top1']).toBe(teacherSummary.final['student.top1']);
    const lines = metrics(join(work, 'kd'));
    expect(Object.keys(lines[0]!.loss).sort()).toEqual(['ce', 'kd', 'total']);
    expect(new Set(lines.map((l) => l.memory.numTensors)).size).toBe(1);
  });

  it('rejects teacher weights of another architecture, naming the file, before touching an earlier run', async () => {
    // Even with overwrite allowed, a run that fails on bad input must not have deleted the previous results.
    const before = readFileSync(join(work, 'run-a', 'metrics.jsonl'), 'utf8');
    const kdFile = writeConfig(
      work,
      'kd-bad.json',
      tinyConfig('run-a', {
        teacher: { backbone: { name: 'cnn', channels: [8, 32] }, weights: 'teacher' },
        distiller: { name: 'kd' },
        output: { dir: 'run-a', overwrite: true },
      }),
    );
    const io = captureIo();
    expect(await main(['run', kdFile], io, { importer: sourceImporter })).toBe(2);
    expect(io.stderr).toContain('/teacher/weights');
    expect(io.stderr).toContain('network.json');
    expect(existsSync(join(work, 'run-a', 'summary.json'))).toBe(true);
    expect(readFileSync(join(work, 'run-a', 'metrics.jsonl'), 'utf8')).toBe(before);
  });
});
