import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sourceImporter, tempDir, tinyConfig, writeConfig } from '@kd/testing';
import { main } from '../src/main.js';
import { captureIo } from './helpers.js';

const work = tempDir('kd-diverged-');
const summary = (dir: string) => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
const withLr = (out: string, lr: number, extra: Record<string, unknown> = {}) => {
  const c = tinyConfig(out, {}, { trainLimit: 640, epochs: 3 });
  const training = c['training'] as Record<string, unknown>;
  c['training'] = { ...training, ...extra, optimizer: { type: 'sgd', lr, momentum: 0.9 } };
  return c;
};

describe('a diverged run is a failure, never a result', () => {
  it('a NaN loss stops the run: exit 1, the message without a stack, summary.json says failed, no final/', async () => {
    const io = captureIo();
    const code = await main(['run', writeConfig(work, 'nan.json', withLr('nan', 1e30))], io, { importer: sourceImporter });
    expect(code, io.stderr).toBe(1);
    expect(io.stderr).toMatch(
      /kd: the loss became NaN at stage train, epoch 1, step \d+ \(total NaN, ce NaN\); the run diverged: lower the learning rate/,
    );
    expect(io.stderr).not.toMatch(/^\s+at /m);
    const s = summary(join(work, 'nan'));
    expect(s).toMatchObject({ status: 'failed', failure: { kind: 'diverged', stage: 'train', epoch: 1 }, best: null, final: {} });
    expect(existsSync(join(work, 'nan', 'final'))).toBe(false);
  });

  it('NaN running statistics under a finite loss (a dead network) fail the run naming the tensor and epoch', async () => {
    // At this rate the loss stays finite while a batch norm's running variance overflows: the case in which an
    // evaluation would otherwise have scored the NaN logits.
    const io = captureIo();
    const code = await main(['run', writeConfig(work, 'dead.json', withLr('dead', 1000))], io, { importer: sourceImporter });
    expect(code, io.stderr).toBe(1);
    expect(io.stderr).toMatch(/kd: student\/\S+ became non-finite \(NaN or infinite\) in stage train, epoch 1; the run diverged/);
    const s = summary(join(work, 'dead'));
    expect(s.status).toBe('failed');
    expect(s.failure.kind).toBe('non-finite');
    expect(s.best).toBeNull();
    expect(existsSync(join(work, 'dead', 'final'))).toBe(false);
    expect(existsSync(join(work, 'dead', 'checkpoints', 'latest.json'))).toBe(false);
  });

  it('kd report shows the failed run as failed with its reason (not "incomplete")', async () => {
    const io = captureIo();
    expect(await main(['report', join(work, 'dead')], io), io.stderr).toBe(0);
    const html = readFileSync(join(work, 'dead', 'report.html'), 'utf8');
    expect(html).toContain('data-status="failed"');
    expect(html).toContain('became non-finite (NaN or infinite) in stage train, epoch 1');
    expect(html).not.toContain('data-status="incomplete"');
  });

  it('the corrected config reruns in the same directory without deleting anything by hand', async () => {
    const c = withLr('dead', 0.05);
    const io = captureIo();
    expect(await main(['run', writeConfig(work, 'dead.json', c)], io, { importer: sourceImporter }), io.stderr).toBe(0);
    expect(io.stderr).toContain('reusing the directory of a run that stopped before its first checkpoint');
    expect(summary(join(work, 'dead'))).toMatchObject({ status: 'finished', failure: null });
  });

  it('loss spikes beyond training.lossSpikeFactor are warned in the progress line, metrics.jsonl and summary.json', async () => {
    // Factor 1 flags every step above the running median: a deterministic way to see the warning's whole path.
    const io = captureIo();
    const code = await main(['run', writeConfig(work, 'spiky.json', withLr('spiky', 0.05, { lossSpikeFactor: 1 }))], io, {
      importer: sourceImporter,
    });
    expect(code, io.stderr).toBe(0);
    expect(io.stderr).toMatch(
      /kd: warning: loss spike at stage train, epoch \d, step \d+: \S+ is [\d.]+× the median \S+ of the recent steps/,
    );
    const s = summary(join(work, 'spiky'));
    expect(s.status).toBe('finished');
    expect(s.warnings.length).toBeGreaterThan(0);
    expect(s.warnings[0]).toMatchObject({ kind: 'loss-spike', stage: 'train' });
    expect(s.warnings[0].value).toBeGreaterThan(s.warnings[0].median);
    const lines = readFileSync(join(work, 'spiky', 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.some((l) => l.lossSpikes > 0)).toBe(true);
    // One warning per epoch at most, however many steps spiked.
    expect(s.warnings.length).toBeLessThanOrEqual(3);
  });
});
