import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, tempDir } from '@kd/testing';
import { spawnKd } from './spawn-kd.js';

/** The graph model of @kd/backbone-tfjs's tests, with PyTorch's float64 logits on three images (make-graph-fixture.py). */
const MODEL = join(repoRoot, 'packages/backbone-tfjs/test/fixtures/graph-cnn');
const STAGES = '{"stage1":"stage1/relu","stage2":"stage2/relu"}';

interface Expected {
  readonly shape: number[];
  readonly values: number[];
}

describe('kd import tfjs on a TensorFlow.js graph model, as its own process', () => {
  const work = tempDir('kd-import-tfjs-graph-');
  const expected = JSON.parse(readFileSync(join(MODEL, 'expected.json'), 'utf8')) as Record<string, Expected>;

  it('copies the checked model into a teacher directory, prints its stages and the parity with PyTorch; the directory is a teacher', async () => {
    const reference = join(work, 'reference.json');
    const input = expected['input']!;
    const logits = expected['logits']!;
    writeFileSync(
      reference,
      JSON.stringify({
        layout: 'NHWC',
        input: { shape: input.shape, data: input.values },
        logits: { shape: logits.shape, data: logits.values },
      }),
    );
    const out = join(work, 'teacher');
    const { code, stdout, stderr } = await spawnKd([
      'import',
      'tfjs',
      MODEL,
      out,
      '--num-classes',
      '10',
      '--stages',
      STAGES,
      '--reference',
      reference,
      '--json',
    ]).exited;
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout) as Record<string, any>;
    expect(report['format']).toBe('tfjs-graph');
    expect(report['inputShape']).toEqual([28, 28, 1]);
    expect(report['stages']).toEqual({ stage1: [14, 14, 4], stage2: [7, 7, 8] });
    expect(report['teacher']).toEqual({ backbone: { name: 'tfjs', stages: JSON.parse(STAGES) }, weights: out });
    expect(report['parity']['kind']).toBe('reference');
    expect(report['parity']['samples']).toBe(3);
    expect(report['parity']['maxRelError']).toBeLessThan(1e-4);
    expect(report['parity']['top1Agreement']).toBe(1);
    expect(readdirSync(out).sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
    expect(readdirSync(work).filter((f) => f.includes('kd-import'))).toEqual([]);

    // What `teacher.weights` gets is read by the tfjs backbone: importing the teacher directory again gives the same parity.
    const again = await spawnKd(['import', 'tfjs', out, join(work, 'again'), '--num-classes', '10', '--reference', reference, '--json'])
      .exited;
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as Record<string, any>)['parity']).toEqual(report['parity']);
  });

  it('without a reference, reports batch consistency and says parity with the source was not checked', async () => {
    const out = join(work, 'plain');
    const { code, stdout, stderr } = await spawnKd(['import', 'tfjs', join(MODEL, 'model.json'), out, '--num-classes', '10']).exited;
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('imported the graph model');
    expect(stdout).toMatch(
      /batch consistency \(the graph model, a batch vs one image at a time\) on 8 inputs: max abs error \S+, max rel error \S+, top-1 agreement 100\.00%/,
    );
    expect(stdout).toContain('parity with the source framework was not checked');
    expect(existsSync(join(out, 'model.json'))).toBe(true);
  });

  it('exit 2, nothing written: an unknown stage node, a kd backbone to map onto, a class count the graph does not have', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['--stages', '{"stage1":"stage1/rleu"}'],
        /the graph has no node "stage1\/rleu" \(\/teacher\/backbone\/stages\/stage1\); some of its 14 non-constant nodes: "stage1\/relu"/,
      ],
      [
        ['--backbone', 'cnn'],
        /is a TensorFlow.js graph model, which keeps no layer names to map onto a kd backbone: it is imported as a "tfjs" teacher; drop --backbone/,
      ],
      [['--num-classes', '100'], /gives \[1, 10\] for one image; expected \[1, 100\]/],
    ];
    for (const [flags, message] of cases) {
      const out = join(work, 'sub', 'never');
      const { code, stderr } = await spawnKd([
        'import',
        'tfjs',
        MODEL,
        out,
        ...(flags.includes('--num-classes') ? [] : ['--num-classes', '10']),
        ...flags,
      ]).exited;
      expect(code, stderr).toBe(2);
      expect(stderr).toMatch(message);
      expect(existsSync(join(work, 'sub')), flags.join(' ')).toBe(false);
    }
  });
});
