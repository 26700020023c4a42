import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@kd/testing';
import { readStudy } from '../src/index.js';

const dir = tempDir('kd-study-');
const write = (name: string, value: unknown) => {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(value));
  return file;
};
const error = (fn: () => unknown): Error => {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
};

describe('reading a study file', () => {
  it('resolves its paths against the study file and applies the defaults', () => {
    mkdirSync(join(dir, 'configs'), { recursive: true });
    const s = readStudy(write('ok.json', { base: 'configs/kd.json', output: 'runs/study', axes: { t: [{ 'distiller.temperature': 2 }] } }));
    expect(s.bases).toEqual([join(dir, 'configs/kd.json')]);
    expect(s.root).toBe(join(dir, 'runs/study'));
    expect(s).toMatchObject({ combine: 'product', seeds: null, threads: 1, axes: [{ name: 't', sets: [{ 'distiller.temperature': 2 }] }] });
  });

  it.each([
    ['an unknown property', { base: 'a.json', output: 'o', axis: {} }, '/: unknown property "axis"'],
    ['no output root', { base: 'a.json' }, '/: missing required property "output"'],
    [
      'a combine mode that does not exist',
      { base: 'a.json', output: 'o', combine: 'cartesian' },
      '/combine: got "cartesian"; expected one of "product", "zip"',
    ],
    [
      'an axis that is not a list of objects',
      { base: 'a.json', output: 'o', axes: { t: { 'distiller.temperature': 2 } } },
      '/axes/t: got {"distiller.temperature":2}; it must be array',
    ],
    ['seeds that are not integers', { base: 'a.json', output: 'o', seeds: [0, 1.5] }, '/seeds/1'],
    [
      'an override path with an empty segment',
      { base: 'a.json', output: 'o', axes: { t: [{ 'distiller..temperature': 2 }] } },
      '/axes/t/0',
    ],
    [
      'an override of the output directory',
      { base: 'a.json', output: 'o', axes: { o: [{ 'output.dir': 'x' }] } },
      '/axes/o/0/output.dir: the sweep sets output.dir itself',
    ],
    [
      'the seed set twice',
      { base: 'a.json', output: 'o', seeds: [1], axes: { s: [{ 'training.seed': 3 }] } },
      '/axes/s/0/training.seed: training.seed is set by "seeds"',
    ],
    [
      'zip over axes of different lengths',
      { base: 'a.json', output: 'o', combine: 'zip', axes: { a: [{ x: 1 }, { x: 2 }], b: [{ y: 1 }] } },
      '/axes/b: 1 override sets; "combine": "zip" needs every axis as long as the first ("a", 2)',
    ],
  ])('rejects %s, naming the file and the pointer', (_what, value, expected) => {
    const file = write('bad.json', value);
    const e = error(() => readStudy(file));
    expect((e as { exitCode?: number }).exitCode).toBe(2);
    expect(e.message).toContain(file);
    expect(e.message).toContain(expected);
  });
});
