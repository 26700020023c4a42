import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@kd/core/host';
import { metricsLines, sourceRuntime, tempDir, tinyConfig, writeConfig } from '@kd/testing';

const training = (epochs: number, type = 'sgd') => ({
  epochs,
  batchSize: 32,
  seed: 7,
  optimizer: { type, lr: type === 'sgd' ? 0.05 : 0.005, momentum: 0.9 },
  schedule: { type: 'cosine' },
});

describe('dml trains two students end to end from a config', () => {
  const work = tempDir('kd-dml-');
  const run = async (name: string, distiller: Record<string, unknown>, epochs = 3, extra: Record<string, unknown> = {}) => {
    await sourceRuntime().run(writeConfig(work, `${name}.json`, tinyConfig(name, { distiller, training: training(epochs), ...extra })));
    return metricsLines(join(work, name));
  };

  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it.each(['alternating', 'simultaneous'])(
    '%s updates: both networks learn, the peer’s accuracy is a metric, no tensor leaks',
    async (update) => {
      const before = tf.memory().numTensors;
      const lines = await run(`dml-${update}`, { name: 'dml', update }, 4);
      expect(lines).toHaveLength(4);
      expect(Object.keys(lines[0]!.loss).sort()).toEqual(['ce', 'kl', 'peerCe', 'peerKl', 'total']);
      expect(lines[3]!.loss['ce']).toBeLessThan(lines[0]!.loss['ce']!);
      expect(lines[3]!.loss['peerCe']).toBeLessThan(lines[0]!.loss['peerCe']!);
      expect(lines[3]!.metrics['student.top1']).toBeGreaterThan(0.15);
      expect(lines[3]!.metrics['peer.top1']).toBeGreaterThan(0.15);
      expect(new Set(lines.map((l) => l.memory.numTensors)).size).toBe(1);
      expect(tf.memory().numTensors).toBe(before);
      // The peer is checkpointed with the student, under its own module name.
      const ck = join(work, `dml-${update}`, 'checkpoints');
      const latest = JSON.parse(readFileSync(join(ck, 'latest.json'), 'utf8')).checkpoint as string;
      expect(JSON.parse(readFileSync(join(ck, latest, 'state.json'), 'utf8')).modules).toEqual(['student', 'peer']);
    },
  );

  it('a peer of another architecture is validated against its backbone schema (defaults applied)', async () => {
    const lines = await run('dml-wide-peer', { name: 'dml', peer: { name: 'cnn', channels: [8, 16] } }, 1);
    expect(lines[0]!.metrics['peer.top1']).toBeGreaterThan(0);
    await expect(run('dml-bad-peer', { name: 'dml', peer: { name: 'cnn', channels: 'wide' } }, 1)).rejects.toThrow(
      /\/distiller\/peer\/channels: must be array/,
    );
  });
});
