import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { KdRuntime, type ModuleImporter } from '@kd/core/host';
import { pluginPackageGenerator } from '../index.js';

const workspaceRoot = join(import.meta.dirname, '..', '..', '..', '..');
const importer: ModuleImporter = (specifier) => import(/* @vite-ignore */ specifier);

const tiny = (dir: string, overrides: Record<string, unknown> = {}) => ({
  specVersion: 1,
  backend: 'wasm',
  dataset: { name: 'idx', preset: 'fashion-mnist', source: 'bundled', trainLimit: 128, testLimit: 64 },
  student: { backbone: { name: 'cnn', channels: [4, 8] } },
  evaluators: [{ name: 'accuracy' }],
  training: { epochs: 1, batchSize: 32, seed: 3, optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 } },
  output: { dir },
  ...overrides,
});

const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, any>);

describe('the generated distiller logs its loss weight as a step scalar', () => {
  // Inside the workspace, so that the generated sources resolve @kd/core and tfjs from its node_modules.
  mkdirSync(join(import.meta.dirname, '../../tmp'), { recursive: true });
  const work = mkdtempSync(join(import.meta.dirname, '../../tmp', 'scalars-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('reaches steps.jsonl, metrics.jsonl and the jsonl tracker’s step records', async () => {
    const t = createTreeWithEmptyWorkspace();
    t.write('tsconfig.json', JSON.stringify({ files: [], references: [] }));
    await pluginPackageGenerator(t, 'distiller', { name: 'weighted', link: false });
    for (const f of ['index.ts', 'plugin.ts', 'weighted.loss.ts', 'weighted.options.ts', 'weighted.distiller.ts']) {
      const out = join(work, 'weighted', 'src', f);
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, t.read(`packages/distiller-weighted/src/${f}`, 'utf8')!);
    }
    const runtime = () => new KdRuntime({ root: workspaceRoot, importer, allowLocalPlugins: true });
    const write = (name: string, config: unknown) => {
      const file = join(work, `${name}.json`);
      writeFileSync(file, JSON.stringify(config));
      return file;
    };
    await runtime().run(write('teacher', tiny('teacher')));
    await runtime().run(
      write(
        'student',
        tiny('student', {
          plugins: [join(work, 'weighted', 'src', 'index.ts')],
          teacher: { backbone: { name: 'cnn', channels: [4, 8] }, weights: 'teacher' },
          distiller: { name: 'weighted', kdWeight: 0.625 },
          trackers: [{ name: 'jsonl', formats: ['jsonl'] }],
        }),
      ),
    );
    const dir = join(work, 'student');
    const steps = lines(join(dir, 'steps.jsonl'));
    expect(steps).toHaveLength(4);
    for (const s of steps) expect(s['scalars']).toEqual({ kdWeight: 0.625 });
    expect(lines(join(dir, 'metrics.jsonl'))[0]!['scalars']).toEqual({ kdWeight: 0.625 });
    const tracked = lines(join(dir, 'tracker', 'events.jsonl')).filter((r) => r['type'] === 'step');
    expect(tracked).toHaveLength(4);
    for (const r of tracked) expect(r['scalars']).toEqual({ kdWeight: 0.625 });
  });
});
