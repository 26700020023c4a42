import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { saveNetwork } from '@kd/core';
import { sourceRuntime, tempDir, tinyConfig, writeConfig } from '@kd/testing';

/** Research use of kd: a run's pipeline driven one step at a time through the public Session. */
describe('Session: one step at a time', () => {
  const work = tempDir('kd-session-');
  const config = (out: string, training: Record<string, unknown> = {}) =>
    tinyConfig(
      out,
      {
        training: {
          epochs: 1,
          batchSize: 32,
          seed: 3,
          optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 },
          schedule: { type: 'cosine' },
          ...training,
        },
      },
      { trainLimit: 320 },
    );

  it('replays a run: the same batches and steps give the run’s final weights to the byte', async () => {
    const file = writeConfig(work, 'run.json', config('run'));
    await sourceRuntime().run(file);
    const session = await sourceRuntime().openSession(file);
    try {
      const before = tf.memory().numTensors;
      let step = 0;
      const counts: number[] = [];
      for await (const batch of session.batches(0)) {
        session.step(batch, { epoch: 0, step: step++ });
        batch.x.dispose();
        batch.y.dispose();
        counts.push(tf.memory().numTensors);
      }
      expect(step).toBe(session.shape.stepsPerEpoch);
      expect(new Set(counts)).toEqual(new Set([before]));
      saveNetwork(join(work, 'replayed'), session.parts.student);
      expect(readFileSync(join(work, 'replayed', 'network.bin')).equals(readFileSync(join(work, 'run', 'final', 'network.bin')))).toBe(
        true,
      );
    } finally {
      session.dispose();
    }
  });

  it('exposes the gradients the update used: the first SGD step is w − lr·(g + λw) for kernels and rank-1 parameters alike (PyTorch’s weight decay)', async () => {
    // Derived by hand from PyTorch's SGD (coupled weight decay; the first momentum buffer is the gradient itself).
    const lr = 0.1;
    const wd = 5e-4;
    const file = writeConfig(
      work,
      'sgd.json',
      config('sgd', { optimizer: { type: 'sgd', lr, momentum: 0.9, weightDecay: wd }, schedule: { type: 'constant' } }),
    );
    const session = await sourceRuntime().openSession(file);
    try {
      const vars = session.parts.student.trainableVariables();
      const kernel = vars.find((v) => v.rank === 4)!;
      // A rank-1 parameter with non-zero values (a batch norm's γ starts at 1), so a missing decay would show.
      const bias = vars.find((v) => v.rank === 1 && v.dataSync().some((x) => x !== 0))!;
      const w0 = Float64Array.from(kernel.dataSync());
      const b0 = Float64Array.from(bias.dataSync());
      const iter = session.batches(0)[Symbol.asyncIterator]();
      const batch = (await iter.next()).value as { x: tf.Tensor4D; y: tf.Tensor1D };
      const { losses, gradients } = session.step(batch, { keepGradients: true });
      batch.x.dispose();
      batch.y.dispose();
      await iter.return?.();
      expect(losses['total']).toBeGreaterThan(0);
      expect(session.optimizer.lr).toBe(lr);
      const g = Float64Array.from(gradients!.get(kernel.name)!.dataSync());
      const gb = Float64Array.from(gradients!.get(bias.name)!.dataSync());
      for (const t of gradients!.values()) t.dispose();
      const w1 = kernel.dataSync();
      const b1 = bias.dataSync();
      let worst = 0;
      for (let i = 0; i < w0.length; i++) worst = Math.max(worst, Math.abs(w1[i]! - (w0[i]! - lr * (g[i]! + wd * w0[i]!))));
      // PyTorch's recipe (the default, weightDecayOn "all"): every parameter decays, batch-norm γ included.
      for (let i = 0; i < b0.length; i++) worst = Math.max(worst, Math.abs(b1[i]! - (b0[i]! - lr * (gb[i]! + wd * b0[i]!))));
      expect(worst).toBeLessThan(1e-6);
      expect(g.some((v) => v !== 0)).toBe(true);
    } finally {
      session.dispose();
    }
  });

  it('names the stages and refuses an unknown one', async () => {
    const session = await sourceRuntime().openSession(writeConfig(work, 'stages.json', config('stages')));
    try {
      expect(session.stages.map((s) => s.name)).toEqual(['train']);
      expect(() => session.useStage('teacher-ae')).toThrow(/no stage "teacher-ae"; the stages are "train"/);
    } finally {
      session.dispose();
    }
  });
});
