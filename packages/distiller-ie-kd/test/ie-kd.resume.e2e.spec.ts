import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunEvents } from '@kd/core';
import { metricsLines, sourceRuntime, TEACHER_BACKBONE, tempDir, tinyConfig, writeConfig, type MetricsLine } from '@kd/testing';

/** Raw float32 tensors of a kd checkpoint directory, by name (read here from state.json + state.bin, not through core). */
function checkpointTensors(dir: string): Map<string, Float32Array> {
  const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as {
    tensors: { name: string; offset: number; length: number }[];
  };
  const bin = readFileSync(join(dir, 'state.bin'));
  return new Map(
    state.tensors.map((e) => [e.name, new Float32Array(bin.buffer.slice(bin.byteOffset + e.offset, bin.byteOffset + e.offset + e.length))]),
  );
}
const latest = (root: string) =>
  join(root, (JSON.parse(readFileSync(join(root, 'latest.json'), 'utf8')) as { checkpoint: string }).checkpoint);
const ORDER = 'ie-kd.split::order';
const W = { inheritance: 10, exploration: 10, kd: 0.5 };

/**
 * One IE-KD run (teacher-ae stage, then 2 student epochs) with a random split and kdWeight > 0, interrupted after the
 * first student epoch and resumed: what stage 2 does to the teacher auto-encoder, the KD term in a run, and what a
 * resume restores.
 */
describe('ie-kd: interrupted and resumed run with a random split and a KD term', () => {
  const work = tempDir('kd-ie-kd-resume-');
  const runDir = join(work, 'ie-kd');
  const steps: Record<string, number>[] = [];
  let crashOrder: number[] = [];
  let tampered: number[] = [];
  let crashAe: Map<string, Float32Array>;
  let lines: MetricsLine[];

  beforeAll(async () => {
    const size = { trainLimit: 256, testLimit: 128 };
    const teacherTraining = { epochs: 1, batchSize: 32, seed: 1, optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 } };
    await sourceRuntime().run(
      writeConfig(
        work,
        'teacher.json',
        tinyConfig('teacher', { student: { backbone: TEACHER_BACKBONE }, training: teacherTraining }, size),
      ),
    );
    const distiller = {
      name: 'ie-kd',
      split: 'random',
      inheritanceWeight: W.inheritance,
      explorationWeight: W.exploration,
      kdWeight: W.kd,
      temperature: 4,
      autoEncoderEpochs: 1,
      cacheDir: 'ae-cache',
      ckaSamples: 64,
      teacherFeature: 'stage2',
      studentFeature: 'stage2',
    };
    const training = {
      epochs: 2,
      batchSize: 32,
      seed: 7,
      optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 },
      schedule: { type: 'cosine' },
    };
    const file = writeConfig(
      work,
      'ie-kd.json',
      tinyConfig('ie-kd', { teacher: { backbone: TEACHER_BACKBONE, weights: 'teacher' }, distiller, training }, size),
    );
    const events = () => {
      const e = new RunEvents();
      e.on('stepEnd', (s) => void (s.stage === 'student' && steps.push({ ...s.losses })));
      return e;
    };
    const first = events();
    first.on('epochEnd', (e) => {
      if (e.stage === 'student' && e.epoch === 0) throw new Error('simulated crash after the first student epoch');
    });
    await expect(sourceRuntime().run(file, { events: first })).rejects.toThrow('simulated crash');
    const crash = latest(join(runDir, 'checkpoints'));
    const tensors = checkpointTensors(crash);
    crashOrder = Array.from(tensors.get(ORDER)!);
    crashAe = new Map([...tensors].filter(([k]) => k.startsWith('teacher-ae::')));
    // The seed alone would redraw the same permutation on resume, so a resume that ignored the checkpoint would
    // look right. Another valid permutation written into the checkpoint tells the two apart.
    tampered = [...crashOrder].reverse();
    const state = JSON.parse(readFileSync(join(crash, 'state.json'), 'utf8')) as { tensors: { name: string; offset: number }[] };
    const bin = readFileSync(join(crash, 'state.bin'));
    Buffer.from(Float32Array.from(tampered).buffer).copy(bin, state.tensors.find((t) => t.name === ORDER)!.offset);
    writeFileSync(join(crash, 'state.bin'), bin);
    await sourceRuntime().resume(runDir, { events: events() });
    lines = metricsLines(runDir);
  }, 300_000);

  it('leaves the teacher auto-encoder exactly as its stage trained it (cache entry = checkpoints during and after stage 2)', () => {
    const cacheRoot = join(work, 'ae-cache');
    const keys = readdirSync(cacheRoot);
    expect(keys).toHaveLength(1);
    const cached = checkpointTensors(latest(join(cacheRoot, keys[0]!)));
    const finalAe = new Map([...checkpointTensors(latest(join(runDir, 'checkpoints')))].filter(([k]) => k.startsWith('teacher-ae::')));
    // Every variable, running statistics included (the teacher pass runs it in inference mode).
    expect([...cached.keys()].sort()).toEqual([...finalAe.keys()].sort());
    expect([...cached.keys()].some((k) => k.includes('moving') || k.includes('running') || k.includes('mean'))).toBe(true);
    expect(cached.size).toBeGreaterThan(4);
    for (const [name, values] of cached) {
      expect(Buffer.compare(Buffer.from(crashAe.get(name)!.buffer), Buffer.from(values.buffer)), `${name} after student epoch 1`).toBe(0);
      expect(Buffer.compare(Buffer.from(finalAe.get(name)!.buffer), Buffer.from(values.buffer)), `${name} after student epoch 2`).toBe(0);
    }
  });

  it('logs the KD term and adds kdWeight·kd to every step’s total', () => {
    expect(lines.map((l) => l.stage)).toEqual(['teacher-ae', 'student', 'student']);
    for (const l of lines.slice(1)) {
      expect(Object.keys(l.loss).sort()).toEqual(['ce', 'exploration', 'inheritance', 'kd', 'total']);
      expect(l.loss['kd']).toBeGreaterThan(0);
    }
    // 256 images / 32 per batch = 8 steps per epoch, both epochs (before the crash and after the resume).
    expect(steps).toHaveLength(16);
    for (const s of steps) {
      const sum = s['ce']! + W.inheritance * s['inheritance']! + W.exploration * s['exploration']! + W.kd * s['kd']!;
      expect(Math.abs(s['total']! - sum)).toBeLessThan(1e-5 * Math.abs(s['total']!));
      expect(W.kd * s['kd']!).toBeGreaterThan(1e-3 * Math.abs(s['total']!));
    }
  });

  // That the split then follows the restored variable is the fixture test's: it assigns an order and checks the parts.
  it('restores the channel order from the checkpoint on resume (the permutation the checkpoint holds, not a fresh draw)', () => {
    expect([...crashOrder].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(crashOrder).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(checkpointTensors(latest(join(runDir, 'checkpoints'))).get(ORDER)!)).toEqual(tampered);
  });
});
