// Checks run on every model of the backbone zoo (issue 4), shared by the backbone packages' zoo specs.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type LayersNetwork } from '@kd/core';
import { LAYERS_MODEL_FILES, loadLayersModelFromDir, saveLayersModelToDir } from '@kd/core/host';

/** What a zoo model must match: reference parameter count and stage output shapes (NHWC, no batch dimension). */
export interface ZooExpectation {
  readonly params: number;
  readonly stages: readonly (readonly number[])[];
}

/**
 * The per-model checks, inside a `describe` of one model (built once, in `beforeAll`): reference parameter count and
 * stage shapes; a forward + backward pass on a batch of 2 without leaked tensors; export → load round trip.
 */
export function zooModelTests(
  build: () => LayersNetwork,
  expected: ZooExpectation,
  options: { beforeLoad?: () => void; zeroGradient?: (name: string) => boolean } = {},
): void {
  let n: LayersNetwork;
  beforeAll(() => {
    n = build();
  });
  afterAll(() => n.dispose());

  it('has the reference parameter count and stage shapes', () => {
    expect(n.countParams()).toBe(expected.params);
    expect(n.stages).toEqual(expected.stages.map((outputShape, i) => ({ name: `stage${i + 1}`, outputShape })));
  });

  it('forward + backward on a batch of 2: finite, non-zero gradients for every weight, no tensor leaked', () => {
    const x = zooBatch(2, n.inputShape, 3);
    expectTrainingStepGradients(n, x, [1, n.numClasses - 1], options);
    x.dispose();
  });

  it('export → files → tf.loadLayersModel gives identical predictions', async () => {
    const x = zooBatch(2, n.inputShape, 5);
    await expectExportRoundTrip(n, x, options);
    x.dispose();
  });
}

/** A deterministic NHWC batch. */
export function zooBatch(batch: number, inputShape: readonly [number, number, number], seed: number): tf.Tensor4D {
  return tf.randomNormal([batch, ...inputShape], 0, 1, 'float32', seed) as tf.Tensor4D;
}

/**
 * Export → save with core's file handler → `tf.loadLayersModel` through core's file handler: the reloaded model has the
 * network's weights (running statistics included) and predicts its logits to `tolerance`. One training-mode forward
 * first moves every batch-norm running statistic off its initial 0 / 1, so a round trip that lost them would show.
 * `beforeLoad` is what a consuming program must call before loading (ShuffleNet's custom layer).
 */
export async function expectExportRoundTrip(
  network: LayersNetwork,
  x: tf.Tensor4D,
  { tolerance = 1e-5, beforeLoad }: { tolerance?: number; beforeLoad?: () => void } = {},
): Promise<void> {
  tf.tidy(() => {
    network.apply(x, { training: true });
  });
  const dir = mkdtempSync(join(tmpdir(), 'kd-zoo-export-'));
  try {
    const exported = network.toLayersModel();
    await saveLayersModelToDir(exported, dir);
    expect(existsSync(join(dir, LAYERS_MODEL_FILES.model))).toBe(true);
    expect(existsSync(join(dir, LAYERS_MODEL_FILES.weights))).toBe(true);
    const manifest = JSON.parse(readFileSync(join(dir, LAYERS_MODEL_FILES.model), 'utf8')) as tf.io.ModelJSON;
    expect(manifest.weightsManifest[0]!.paths).toEqual([LAYERS_MODEL_FILES.weights]);
    beforeLoad?.();
    const loaded = await loadLayersModelFromDir(dir);
    try {
      expect(loaded.inputs[0]!.shape).toEqual([null, ...network.inputShape]);
      expect(loaded.outputs[0]!.shape).toEqual([null, network.numClasses]);
      const trainable = loaded.trainableWeights.reduce((a, w) => a + w.shape.reduce((p: number, d) => p * (d ?? 1), 1), 0);
      expect(trainable).toBe(network.countParams());
      // Same weights in the same order, bit for bit (one max-abs per weight, read back once).
      const mine = exported.weights.map((w) => w.read());
      const theirs = loaded.weights.map((w) => w.read());
      expect(theirs.map((t) => t.shape)).toEqual(mine.map((t) => t.shape));
      const weightDiff = tf.tidy(() => tf.max(tf.stack(mine.map((t, i) => tf.max(tf.abs(tf.sub(t, theirs[i]!)))))).dataSync()[0]);
      expect(weightDiff).toBe(0);
      const [want, got] = tf.tidy(() => [
        Array.from(network.apply(x, { training: false }).logits.dataSync()),
        Array.from((loaded.predict(x) as tf.Tensor).dataSync()),
      ]);
      expect(got).toHaveLength(x.shape[0] * network.numClasses);
      const diff = Math.max(...want.map((v, i) => Math.abs(v - got[i]!)));
      expect(diff).toBeLessThanOrEqual(tolerance);
      expect(want.every(Number.isFinite)).toBe(true);
      // Not a degenerate comparison: the logits differ between classes.
      expect(new Set(want.slice(0, network.numClasses).map((v) => v.toFixed(6))).size).toBeGreaterThan(1);
    } finally {
      loaded.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * One training-mode forward + `tf.variableGrads` of the cross-entropy, run twice: every trainable variable gets a
 * finite gradient that is non-zero somewhere (except those named by `zeroGradient`, which must get an exact or
 * rounding-level zero), and `tf.memory().numTensors` is the same after each run as before the first.
 */
export function expectTrainingStepGradients(
  network: LayersNetwork,
  x: tf.Tensor4D,
  labels: number[],
  { zeroGradient = () => false }: { zeroGradient?: (name: string) => boolean } = {},
): void {
  const y = tf.oneHot(tf.tensor1d(labels, 'int32'), network.numClasses);
  const vars = network.trainableVariables();
  const nameOf = new Map(network.stateVariables().map((v) => [v.variable.name, v.name]));
  expect(vars.length).toBeGreaterThan(0);
  const before = tf.memory().numTensors;
  for (let run = 0; run < 2; run++) {
    const { loss, stats } = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () => tf.losses.softmaxCrossEntropy(y, network.apply(x, { training: true }).logits) as tf.Scalar,
        vars,
      );
      expect(Object.keys(grads).sort()).toEqual(vars.map((v) => v.name).sort());
      // Per variable: a finiteness probe and max |gradient|.
      const s = tf.stack(
        vars.map((v) => {
          const g = grads[v.name]!;
          // Σ 0·g is 0 exactly when every entry is finite (0·±∞ and 0·NaN are NaN).
          return tf.stack([tf.sum(tf.mul(g, 0)), tf.max(tf.abs(g))]);
        }),
      );
      return { loss: value.dataSync()[0]!, stats: s.arraySync() as number[][] };
    });
    expect(tf.memory().numTensors, `tensors after run ${run + 1}`).toBe(before);
    expect(Number.isFinite(loss)).toBe(true);
    const names = vars.map((v) => nameOf.get(v.name) ?? v.name);
    expect(
      names.filter((_, i) => stats[i]![0] !== 0),
      'non-finite gradients',
    ).toEqual([]);
    expect(
      names.filter((n, i) => !zeroGradient(n) && !(stats[i]![1]! > 0)),
      'all-zero gradients',
    ).toEqual([]);
    const biggest = Math.max(...stats.map((s) => s[1]!));
    expect(
      names.filter((n, i) => zeroGradient(n) && stats[i]![1]! > 1e-4 * biggest),
      'gradients that should vanish',
    ).toEqual([]);
  }
  y.dispose();
}

/** The `| variant | 1,234 | … |` rows of a README table whose header has `params, <n> classes` columns. */
export function readmeParamCounts(readme: string, rowName: (cell: string) => string | undefined): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  let columns: (string | undefined)[] | undefined;
  for (const line of readme.split('\n')) {
    if (!line.startsWith('|')) {
      columns = undefined;
      continue;
    }
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    if (!columns) {
      columns = cells.map((c) => /^params, (\d+) classes$/.exec(c)?.[1]);
      if (!columns.some(Boolean)) columns = [];
      continue;
    }
    const name = rowName(cells[0]!);
    if (!name || columns.length === 0) continue;
    cells.forEach((c, i) => {
      const classes = columns![i];
      if (classes && /^[\d,]+$/.test(c)) (out[name] ??= {})[classes] = Number(c.replaceAll(',', ''));
    });
  }
  return out;
}

/**
 * Batch norm in the two modes, on a fresh network and a batch of two samples: inference uses the running statistics
 * (each sample's logits independent of its batch-mate) and leaves them alone; training uses the batch statistics (a
 * sample's logits change with its batch-mate) and moves the running ones by PyTorch's momentum 0.1 towards the batch
 * mean and biased variance of the norm's input, recomputed here for `bn` from `bnInput(x)`; `deepBn` (a norm near the
 * head) moves too; afterwards inference gives other logits than the fresh network's.
 */
export function expectBatchNormModes(
  network: LayersNetwork,
  x: tf.Tensor4D,
  { bn, bnInput, deepBn }: { bn: string; bnInput: (x: tf.Tensor4D) => tf.Tensor4D; deepBn: string },
): void {
  expect(x.shape[0]).toBe(2);
  const stat = (name: string) => {
    const v = network.stateVariables().find((s) => s.name === name);
    if (!v) throw new Error(`no state variable ${name}`);
    return v.variable;
  };
  const [mean, variance, deepMean] = [stat(`${bn}/moving_mean`), stat(`${bn}/moving_variance`), stat(`${deepBn}/moving_mean`)];
  const values = (t: tf.Tensor) => Array.from(t.dataSync());
  const logits = (input: tf.Tensor4D, training: boolean) => tf.tidy(() => values(network.apply(input, { training }).logits));
  const k = network.numClasses;
  const x0 = tf.slice(x, [0], [1]) as tf.Tensor4D;
  const other = tf.concat([x0, tf.reverse(x0, 1)]) as tf.Tensor4D; // the same first sample, another batch-mate

  const fresh = logits(x0, false);
  expect(logits(x, false).slice(0, k)).toEqual(fresh);
  expect(logits(other, false).slice(0, k)).toEqual(fresh);
  expect(values(mean).every((v) => v === 0)).toBe(true);
  expect(values(variance).every((v) => v === 1)).toBe(true);
  expect(values(deepMean).every((v) => v === 0)).toBe(true);

  const [m1, v1] = tf.tidy(() => {
    const input = bnInput(x);
    const a = tf.moments(input, [0, 1, 2]);
    const b = tf.moments(bnInput(other), [0, 1, 2]);
    // The running variance takes the unbiased batch variance, as PyTorch's: n/(n − 1) times the biased one.
    const [n0, n1, n2] = input.shape;
    const unbiased = (n0 * n1 * n2) / (n0 * n1 * n2 - 1);
    // 0 → 0.1·mean(x) → 0.9·0.1·mean(x) + 0.1·mean(other); 1 → 0.9 + 0.1·var(x) → …
    return [
      values(tf.add(tf.mul(a.mean, 0.09), tf.mul(b.mean, 0.1))),
      values(tf.add(tf.mul(tf.add(tf.mul(a.variance, 0.1 * unbiased), 0.9), 0.9), tf.mul(b.variance, 0.1 * unbiased))),
    ];
  });
  const trained = logits(x, true).slice(0, k);
  expect(logits(other, true).slice(0, k)).not.toEqual(trained);
  values(mean).forEach((v, i) => expect(v).toBeCloseTo(m1![i]!, 5));
  values(variance).forEach((v, i) => expect(v).toBeCloseTo(v1![i]!, 5));
  expect(values(mean).some((v) => v !== 0)).toBe(true);
  expect(values(deepMean).some((v) => v !== 0)).toBe(true);
  expect(logits(x0, false)).not.toEqual(fresh);
  tf.dispose([x0, other]);
}
