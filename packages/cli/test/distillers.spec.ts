import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../src/main.js';
import { sourceImporter, tempDir, tinyConfig, writeConfig } from '@kd/testing';
import { captureIo } from './helpers.js';

type Line = { stage: string; loss: Record<string, number>; memory: { numTensors: number } };

/** Each distiller package trains end to end from a config on Fashion-MNIST, without leaking tensors. */
const cases: { distiller: Record<string, unknown>; terms: string[] }[] = [
  { distiller: { name: 'kd' }, terms: ['ce', 'kd', 'total'] },
  { distiller: { name: 'dkd', beta: 2, warmupEpochs: 2 }, terms: ['ce', 'nckd', 'tckd', 'total'] },
  {
    distiller: { name: 'aekt', beta: 2, warmupEpochs: 2, serialization: true },
    terms: ['ce', 'clipRate', 'explicit', 'nckd', 'ratio', 'total'],
  },
];

describe('distillers train end to end through kd run', () => {
  const work = tempDir();

  beforeAll(async () => {
    const teacher = writeConfig(work, 'teacher.json', tinyConfig('teacher', { student: { backbone: { name: 'cnn', channels: [8, 16] } } }));
    expect(await main(['run', teacher], captureIo(), { importer: sourceImporter })).toBe(0);
  });

  it.each(cases)('$distiller.name: logs its loss terms and keeps numTensors constant across epochs', async ({ distiller, terms }) => {
    const name = String(distiller['name']);
    const file = writeConfig(
      work,
      `${name}.json`,
      tinyConfig(name, { teacher: { backbone: { name: 'cnn', channels: [8, 16] }, weights: 'teacher' }, distiller }),
    );
    const io = captureIo();
    expect(await main(['run', file], io, { importer: sourceImporter }), io.stderr).toBe(0);
    const lines = readFileSync(join(work, name, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Line);
    expect(lines).toHaveLength(3);
    expect(Object.keys(lines[0]!.loss).sort()).toEqual(terms);
    expect(new Set(lines.map((l) => l.memory.numTensors)).size).toBe(1);
    // Training lowers the loss.
    expect(lines[2]!.loss['total']).toBeLessThan(lines[0]!.loss['total']!);
    if (name === 'aekt') {
      // The learned task-serialisation matrix is written for plotting; it moved away from the identity.
      const m = JSON.parse(readFileSync(join(work, name, 'artifacts', 'aekt-serialization.json'), 'utf8')) as { weight: number[][] };
      expect(m.weight).toHaveLength(10);
      expect(m.weight.some((row, i) => row.some((v, j) => Math.abs(v - (i === j ? 1 : 0)) > 1e-6))).toBe(true);
    }
  });

  it('aekt with serialOrder "kd->cls" evaluates and saves the student with its serialisation head', async () => {
    const file = writeConfig(
      work,
      'aekt-kdcls.json',
      tinyConfig('aekt-kdcls', {
        teacher: { backbone: { name: 'cnn', channels: [8, 16] }, weights: 'teacher' },
        distiller: { name: 'aekt', beta: 2, warmupEpochs: 2, serialization: true, serialOrder: 'kd->cls', ratioClip: [0.5, 2] },
      }),
    );
    const io = captureIo();
    expect(await main(['run', file, '--json'], io, { importer: sourceImporter }), io.stderr).toBe(0);
    const summary = JSON.parse(io.stdout);
    const saved = JSON.parse(readFileSync(join(work, 'aekt-kdcls', 'final', 'network.json'), 'utf8'));
    expect(saved.head.name).toBe('serialization');
    expect(saved.head.tensors.map((t: { name: string }) => t.name)).toEqual(['weight', 'bias']);
    // The deployed student counts the 10×10 + 10 head parameters.
    const plain = JSON.parse(readFileSync(join(work, 'kd', 'summary.json'), 'utf8'));
    expect(summary.studentParams).toBe(plain.studentParams + 110);
    // Such a network cannot be a teacher yet: clear error, exit 2.
    const asTeacher = writeConfig(
      work,
      'from-kdcls.json',
      tinyConfig('from-kdcls', {
        teacher: { backbone: { name: 'cnn', channels: [4, 8] }, weights: 'aekt-kdcls' },
        distiller: { name: 'kd' },
      }),
    );
    const io2 = captureIo();
    expect(await main(['run', asTeacher], io2, { importer: sourceImporter })).toBe(2);
    expect(io2.stderr).toContain('"serialization" head');
  });
});
