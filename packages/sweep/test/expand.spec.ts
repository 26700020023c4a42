import { expandStudy, setLabel, type Study } from '../src/index.js';

const study = (over: Partial<Study>): Study => ({
  file: '/s/study.json',
  dir: '/s',
  bases: ['/s/base.json'],
  axes: [],
  combine: 'product',
  seeds: null,
  root: '/s/out',
  threads: 1,
  compare: [],
  ...over,
});
const method = () => 'kd';

describe('expanding a study into cells', () => {
  it('product: every combination of the axes, times every seed, in axis order; the seed is the last override', () => {
    const cells = expandStudy(
      study({
        axes: [
          { name: 't', sets: [{ 'distiller.temperature': 2 }, { 'distiller.temperature': 4 }] },
          { name: 'lr', sets: [{ 'training.optimizer.lr': 0.1 }, { 'training.optimizer.lr': 0.05 }, { 'training.optimizer.lr': 0.01 }] },
        ],
        seeds: [0, 1],
      }),
      method,
    );
    expect(cells).toHaveLength(2 * 3 * 2);
    expect(cells.map((c) => c.name).slice(0, 3)).toEqual([
      'kd-temperature2-lr0.1-s0',
      'kd-temperature2-lr0.1-s1',
      'kd-temperature2-lr0.05-s0',
    ]);
    expect(new Set(cells.map((c) => c.name)).size).toBe(12);
    expect(cells[1]!.overrides).toEqual({ 'distiller.temperature': 2, 'training.optimizer.lr': 0.1, 'training.seed': 1 });
    expect(cells[1]!.group).toBe('kd-temperature2-lr0.1');
    expect(cells[11]!.picks).toEqual({ t: 1, lr: 2 });
  });

  it('zip: the i-th set of every axis together', () => {
    const cells = expandStudy(
      study({
        combine: 'zip',
        axes: [
          { name: 't', sets: [{ 'distiller.temperature': 2 }, { 'distiller.temperature': 4 }] },
          { name: 'w', sets: [{ 'distiller.kdWeight': 0.5 }, { 'distiller.kdWeight': 0.9 }] },
        ],
      }),
      method,
    );
    expect(cells.map((c) => c.name)).toEqual(['kd-temperature2-kdWeight0.5', 'kd-temperature4-kdWeight0.9']);
    expect(cells.map((c) => c.seed)).toEqual([null, null]);
  });

  it('no axes and no seeds: one cell per base; several bases are named by their file', () => {
    expect(expandStudy(study({}), method).map((c) => c.name)).toEqual(['kd']);
    expect(expandStudy(study({ bases: ['/s/a/res56.json', '/s/b/wrn.json'], seeds: [3] }), method).map((c) => c.name)).toEqual([
      'res56-kd-s3',
      'wrn-kd-s3',
    ]);
    // A base named after its method is not named twice.
    const byFile = (b: string) => b.slice(3, -5).split('-')[0]!;
    expect(expandStudy(study({ bases: ['/s/kd.json', '/s/dkd.json', '/s/aekt-literal.json'] }), byFile).map((c) => c.name)).toEqual([
      'kd',
      'dkd',
      'aekt_literal',
    ]);
  });

  it('the method comes from the cell (an axis naming the distiller names the cell)', () => {
    const cells = expandStudy(study({ axes: [{ name: 'm', sets: [{ 'distiller.name': 'kd' }, { 'distiller.name': 'dkd' }] }] }), (_b, o) =>
      String(o['distiller.name']),
    );
    expect(cells.map((c) => c.name)).toEqual(['kd', 'dkd']);
  });

  it('sets that would name two cells alike are told apart by a hash of what differs', () => {
    const cells = expandStudy(study({ axes: [{ name: 'x', sets: [{ 'dataset.dir': 'a b' }, { 'dataset.dir': 'a/b' }] }] }), method);
    expect(cells[0]!.name).toMatch(/^kd-a_b-[0-9a-f]{6}$/);
    expect(cells[1]!.name).toMatch(/^kd-a_b-[0-9a-f]{6}$/);
    expect(cells[0]!.name).not.toBe(cells[1]!.name);
  });

  it('labels: strings as themselves, other values after their key, nested objects by their leaves, no distiller name', () => {
    expect(setLabel({ 'student.backbone.variant': 'resnet8x4', 'training.optimizer.lr': 0.1, 'output.keep': true })).toEqual([
      'resnet8x4',
      'lr0.1',
      'keeptrue',
    ]);
    expect(setLabel({ distiller: { name: 'dkd', beta: 8 } })).toEqual(['beta8']);
    expect(setLabel({ 'training.schedule.milestones': [1, 2] })[0]).toMatch(/^milestones[0-9a-f]{6}$/);
  });
});
