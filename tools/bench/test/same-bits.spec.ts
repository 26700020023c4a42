import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareRuns, lossGap, runPrint, shrinkConfig } from '../src/same-bits.js';

const root = join(import.meta.dirname, '../../..');
const row = (name: string) => JSON.parse(readFileSync(join(root, 'configs/benchmark/methods', `${name}.json`), 'utf8'));

describe('same-bits', () => {
  it('shrinks a benchmark row to a short run and changes nothing else', () => {
    const kd = row('kd');
    const s = shrinkConfig(kd, { images: 1024, teacher: '/t', out: '/o/kd' });
    expect(s['dataset']).toEqual({ ...kd.dataset, trainLimit: 1024, testLimit: 512 });
    expect(s['training']).toEqual({ ...kd.training, epochs: 1 });
    // the teacher-output cache is dropped (the two checkouts must each compute), the weights made absolute
    expect(s['teacher']).toEqual({ backbone: kd.teacher.backbone, weights: '/t' });
    expect(s['output']).toEqual({ dir: '/o/kd' });
    expect(s['distiller']).toEqual(kd.distiller);
    expect(s['student']).toEqual(kd.student);
    expect('$schema' in s).toBe(false);
    // scratch has no teacher to point at; FT trains its auto-encoder stage first, so one epoch more
    expect('teacher' in shrinkConfig(row('scratch'), { images: 8, teacher: '/t', out: '/o' })).toBe(false);
    const ft = row('ft');
    expect((shrinkConfig(ft, { images: 8, teacher: '/t', out: '/o' })['training'] as { epochs: number }).epochs).toBe(
      ft.distiller.autoEncoderEpochs + 1,
    );
  });

  it('calls two runs the same only when the final weights and every first-epoch loss agree to the bit', () => {
    const work = mkdtempSync(join(tmpdir(), 'kd-same-bits-'));
    const run = (name: string, bytes: number[], losses: Record<string, number> | null) => {
      const dir = join(work, name);
      mkdirSync(join(dir, 'final'), { recursive: true });
      writeFileSync(join(dir, 'final', 'network.bin'), Buffer.from(bytes));
      if (losses)
        writeFileSync(
          join(dir, 'metrics.jsonl'),
          `${JSON.stringify({ epoch: 1, loss: losses, metrics: { 'student.top1': 0.25 } })}\n${JSON.stringify({ epoch: 2, loss: {}, metrics: { 'student.top1': 0.5 } })}\n`,
        );
      return runPrint(dir);
    };
    const a = run('a', [1, 2, 3], { total: 0.5, ce: 0.25 });
    // the first epoch's losses, the last epoch's test top-1
    expect(a.losses).toEqual({ total: 0.5, ce: 0.25 });
    expect(a.top1).toBe(0.5);
    expect(compareRuns(a, run('b', [1, 2, 3], { total: 0.5, ce: 0.25 }))).toBe('same');
    expect(compareRuns(a, run('c', [1, 2, 4], { total: 0.5, ce: 0.25 }))).toBe('differ');
    // one ulp in one loss term is a difference
    expect(compareRuns(a, run('d', [1, 2, 3], { total: 0.5, ce: 0.25000000000000006 }))).toBe('differ');
    expect(compareRuns(a, run('e', [1, 2, 3], { total: 0.5 }))).toBe('differ');
    expect(compareRuns(a, run('f', [1, 2, 3], null))).toBe('missing');
    expect(compareRuns(a, runPrint(join(work, 'nothing')))).toBe('missing');
    // the size of a difference: |0.25 − 0.2505| / 0.2505 on ce, the larger of the two shared terms
    expect(lossGap(a, run('g', [1, 2, 3], { total: 0.5, ce: 0.2505 }))).toBeCloseTo(0.0005 / 0.2505, 12);
    expect(lossGap(a, run('h', [1, 2, 3], null))).toBeNull();
  });
});
