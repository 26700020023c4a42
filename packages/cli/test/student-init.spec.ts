import { join } from 'node:path';
import { checkpointTensors, latestCheckpoint, sourceRuntime, tempDir, tinyConfig, writeConfig } from '@kd/testing';

/** `student.init`: a student that starts from saved weights (a finished run, an imported network) instead of its initialiser. */
describe('student.init', () => {
  const work = tempDir('kd-student-init-');
  const size = { trainLimit: 64, testLimit: 32, epochs: 1 };

  beforeAll(async () => {
    await sourceRuntime().run(writeConfig(work, 'first.json', tinyConfig('first', {}, size)));
  }, 120_000);

  it('starts the student from the run’s final weights, every tensor to the bit', async () => {
    const session = await sourceRuntime().openSession(
      writeConfig(
        work,
        'init.json',
        tinyConfig('second', { student: { backbone: { name: 'cnn', channels: [4, 8] }, init: { weights: 'first' } } }, size),
      ),
    );
    try {
      const saved = checkpointTensors(latestCheckpoint(join(work, 'first')));
      const state = session.parts.student.stateVariables();
      expect(state.length).toBeGreaterThan(4);
      for (const { name, variable } of state) {
        const want = saved.get(`student::${name}`)!;
        expect(want, name).toBeDefined();
        expect(Buffer.compare(Buffer.from(new Float32Array(variable.dataSync()).buffer), Buffer.from(want.buffer)), name).toBe(0);
      }
      // Without init the same config starts elsewhere: the test is not vacuous.
      const fresh = await sourceRuntime().openSession(writeConfig(work, 'fresh.json', tinyConfig('third', {}, size)));
      const a = fresh.parts.student.stateVariables()[0]!.variable.dataSync();
      expect(Array.from(a)).not.toEqual(Array.from(saved.get(`student::${state[0]!.name}`)!));
      fresh.dispose();
    } finally {
      session.dispose();
    }
  }, 120_000);

  it('another architecture, or a directory that is not there, is an input error naming /student/init/weights', async () => {
    const wider = tinyConfig('wider', { student: { backbone: { name: 'cnn', channels: [8, 8] }, init: { weights: 'first' } } }, size);
    await expect(sourceRuntime().run(writeConfig(work, 'wider.json', wider))).rejects.toThrow(
      /\/student\/init\/weights: .* holds a .* network, the config describes/,
    );
    const missing = tinyConfig('missing', { student: { backbone: { name: 'cnn', channels: [4, 8] }, init: { weights: 'nowhere' } } }, size);
    await expect(sourceRuntime().run(writeConfig(work, 'missing.json', missing))).rejects.toThrow(
      /\/student\/init\/weights: .*nowhere does not exist/,
    );
  }, 120_000);
});
