import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sourceRuntime, tempDir, tinyConfig, writeConfig } from '@kd/testing';
import { coreVersion } from '@kd/core/host';
import { cellHash, cellState, planStudy, readStudy, rebaseConfig } from '../src/index.js';

const work = tempDir('kd-plan-');
const runtime = sourceRuntime();
const base = tinyConfig('ignored', {}, { trainLimit: 256, testLimit: 100, epochs: 1 });
writeConfig(work, 'base.json', base);

function study(name: string, value: Record<string, unknown>): string {
  return writeConfig(work, name, { base: 'base.json', output: `out-${name.replace('.json', '')}`, ...value });
}

async function planError(file: string): Promise<Error> {
  try {
    await planStudy(readStudy(file), runtime);
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the plan to fail');
}

/** Every leaf of a JSON value with its path. */
function leafPaths(v: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(v)) return v.flatMap((x, i) => leafPaths(x, [...path, i]));
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => leafPaths(x, [...path, k]));
  return [path];
}

describe('planning a study: expanded, checked and hashed before anything runs', () => {
  it('writes one config per cell under cells/, with its own run directory; hashes are stable and seeds change them', async () => {
    const file = study('grid.json', { axes: { lr: [{ 'training.optimizer.lr': 0.05 }, { 'training.optimizer.lr': 0.1 }] }, seeds: [0, 1] });
    const plan = await planStudy(readStudy(file), runtime);
    expect(plan.cells.map((c) => c.name)).toEqual(['scratch-lr0.05-s0', 'scratch-lr0.05-s1', 'scratch-lr0.1-s0', 'scratch-lr0.1-s1']);
    expect(plan.cells.every((c) => c.state.kind === 'new')).toBe(true);
    // One full check per group of cells that differ only in the seed.
    expect(plan.checked).toMatchObject({ full: 2, groups: 2, schema: 4 });
    const root = join(work, 'out-grid');
    expect(readdirSync(join(root, 'cells')).sort()).toEqual(plan.cells.map((c) => `${c.name}.json`).sort());
    expect(readdirSync(root).sort()).toEqual(['cells']);
    const cell = JSON.parse(readFileSync(plan.cells[3]!.config, 'utf8'));
    expect(cell.output).toEqual({ dir: '../runs/scratch-lr0.1-s1', overwrite: false });
    expect(cell.training).toMatchObject({ seed: 1, optimizer: { lr: 0.1 } });
    expect(new Set(plan.cells.map((c) => c.hash)).size).toBe(4);
    const again = await planStudy(readStudy(file), runtime);
    expect(again.cells.map((c) => c.hash)).toEqual(plan.cells.map((c) => c.hash));
  });

  it('the hash covers every value of the resolved config and the kd version, not where the run is written', async () => {
    const plan = await planStudy(readStudy(study('one.json', {})), runtime, { write: false });
    const { config } = await runtime.checkConfigFile(writeConfig(work, 'resolved.json', { ...base, output: { dir: 'x' } }));
    const hash = cellHash(config, coreVersion());
    expect(hash).toBe(plan.cells[0]!.hash);
    const paths = leafPaths(config).filter((p) => p.join('/') !== 'output/dir');
    expect(paths.length).toBeGreaterThan(20);
    for (const p of paths) {
      const changed = structuredClone(config) as unknown as Record<string, unknown>;
      let node = changed as Record<string | number, unknown>;
      for (const k of p.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
      const last = p[p.length - 1]!;
      const v = node[last];
      node[last] = typeof v === 'number' ? v + 1 : typeof v === 'boolean' ? !v : typeof v === 'string' ? `${v}x` : 0;
      expect(cellHash(changed, coreVersion()), `changing /${p.join('/')}`).not.toBe(hash);
    }
    expect(cellHash(config, '9.9.9')).not.toBe(hash);
    expect(cellHash({ ...config, output: { ...config.output, dir: 'elsewhere' } }, coreVersion())).toBe(hash);
  });

  it('a bad cell is an input error naming the cell, the pointer and the study line that set it; nothing is written', async () => {
    const file = study('bad-cell.json', { axes: { lr: [{ 'training.optimizer.lr': 0.1 }, { 'training.optimizer.lr': -1 }] }, seeds: [0] });
    const e = await planError(file);
    expect((e as { exitCode?: number }).exitCode).toBe(2);
    expect(e.message).toContain(`${file}: cell scratch-lr_1-s0`);
    expect(e.message).toContain('/training/optimizer/lr');
    expect(e.message).toContain('training.optimizer.lr is set by /axes/lr/1');
    expect(existsSync(join(work, 'out-bad-cell'))).toBe(false);
  });

  it('"compare" must name groups of the study', async () => {
    const e = await planError(study('bad-compare.json', { axes: { lr: [{ 'training.optimizer.lr': 0.1 }] }, compare: ['kd'] }));
    expect((e as { exitCode?: number }).exitCode).toBe(2);
    expect(e.message).toContain('/compare/0: "kd" is not a group of this study; its groups are scratch-lr0.1');
  });

  it('the full run checks catch what the schema cannot (a batch larger than the data) before anything runs', async () => {
    const file = study('big-batch.json', { axes: { b: [{ 'training.batchSize': 32 }, { 'training.batchSize': 512 }] } });
    const e = await planError(file);
    expect(e.message).toContain('cell scratch-batchSize512');
    expect(e.message).toContain('/training/batchSize: 512 is larger than the train split (256 images)');
    expect(existsSync(join(work, 'out-big-batch'))).toBe(false);
  });

  it('an unknown plugin named by an axis is reported for that cell', async () => {
    const e = await planError(study('no-plugin.json', { axes: { m: [{ distiller: { name: 'nosuch' } }] } }));
    expect(e.message).toContain('cell nosuch');
    expect(e.message).toMatch(/\/distiller\/name: no distiller plugin named "nosuch"/);
  });

  it('a run directory holding another config’s run is an input error; one holding this cell’s finished run is done', async () => {
    const file = study('state.json', {});
    const plan = await planStudy(readStudy(file), runtime);
    const cell = plan.cells[0]!;
    mkdirSync(cell.runDir, { recursive: true });
    writeFileSync(join(cell.runDir, '.kd-run'), '{}');
    writeFileSync(join(cell.runDir, 'config.json'), JSON.stringify({ ...base, training: { epochs: 2 } }));
    writeFileSync(join(cell.runDir, 'provenance.json'), JSON.stringify({ packages: { '@kd/core': coreVersion() } }));
    expect(() => cellState(cell.runDir, cell.hash, cell.name)).toThrow(/holds a run of another config or kd version/);
    const { config } = await runtime.checkConfigFile(cell.config);
    writeFileSync(join(cell.runDir, 'config.json'), JSON.stringify(config));
    expect(cellState(cell.runDir, cell.hash, cell.name).kind).toBe('restart');
    writeFileSync(join(cell.runDir, 'summary.json'), JSON.stringify({ status: 'finished', final: {} }));
    expect(cellState(cell.runDir, cell.hash, cell.name).kind).toBe('done');
    writeFileSync(
      join(cell.runDir, 'summary.json'),
      JSON.stringify({ status: 'failed', failure: { kind: 'diverged', message: 'loss NaN' } }),
    );
    expect(cellState(cell.runDir, cell.hash, cell.name).kind).toBe('failed');
    writeFileSync(
      join(cell.runDir, 'summary.json'),
      JSON.stringify({ status: 'interrupted', failure: { kind: 'interrupted', message: 'SIGTERM' } }),
    );
    mkdirSync(join(cell.runDir, 'checkpoints'));
    writeFileSync(join(cell.runDir, 'checkpoints', 'latest.json'), '{}');
    expect(cellState(cell.runDir, cell.hash, cell.name).kind).toBe('resume');
  });

  it('rebases a config’s relative paths for its new place: teacher weights, local plugins, plugin options documented as paths', async () => {
    const raw = {
      ...base,
      dataset: {
        name: 'idx',
        preset: 'custom',
        dir: 'data',
        files: { trainImages: 'a', trainLabels: 'b', testImages: 'c', testLabels: 'd' },
      },
      teacher: { backbone: { name: 'cnn' }, weights: '../runs/teacher', cache: { dir: 'cache' } },
      plugins: ['./my-plugin.js', '@kd/distiller-kd'],
    };
    await runtime.loadFor({ ...raw, plugins: [] }, join(work, 'configs'));
    const moved = rebaseConfig(raw, join(work, 'configs'), join(work, 'study', 'cells'), runtime.registry);
    expect(moved['teacher']).toMatchObject({ weights: '../../runs/teacher', cache: { dir: '../../configs/cache' } });
    expect(moved['plugins']).toEqual(['../../configs/my-plugin.js', '@kd/distiller-kd']);
    // `files` are relative to `dir` when it is set: only `dir` moves.
    expect(moved['dataset']).toMatchObject({ dir: '../../configs/data', files: { trainImages: 'a' } });
    const { dir: _dir, ...noDir } = raw.dataset;
    const alone = rebaseConfig({ ...raw, dataset: noDir }, join(work, 'configs'), join(work, 'study', 'cells'), runtime.registry);
    expect(alone['dataset']).toMatchObject({ files: { trainImages: '../../configs/a', testLabels: '../../configs/d' } });
  });
});
