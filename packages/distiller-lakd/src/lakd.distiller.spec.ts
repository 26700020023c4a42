import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { Optimizer, Rng, RunEvents, type LossTerms, type Network } from '@kd/core';
import { tinyCnn } from '../test/networks.js';
import {
  attentionRef,
  avgPoolTo,
  connectorRef,
  crossEntropyRef,
  featureLossRef,
  kdRef,
  rel,
  type Map4,
  type NdamRef,
} from '../test/reference.js';
import { LakdDistiller } from './lakd.distiller.js';
import { lakdOptionsSchema, type LakdOptions } from './lakd.options.js';
import { matchSpatial } from './local-objective.js';
import { localStep } from './local-step.js';
import { planModules } from './module-plan.js';
import { outputSource } from './teacher-pass.js';

/** Options as a config gives them: the strict schema with its defaults applied; heat maps off. */
function options(over: Record<string, unknown>): LakdOptions {
  const o = structuredClone({ name: 'lakd', maps: { every: 0 }, ...over });
  const validate = new Ajv2020({ strict: true, useDefaults: true }).compile(lakdOptionsSchema);
  if (!validate(o)) throw new Error(JSON.stringify(validate.errors));
  return o as unknown as LakdOptions;
}

const NDAM: NdamRef = { avgWeight: 0.5, maxWeight: 0.5, kernel: 3 };
/** kd's earlier default: a separate L_att averaged over positions, the feature loss unweighted. */
const LOSS_MEAN = { mode: 'loss', reduction: 'mean' } as const;
const BATCH = 8;
const LABELS = Array.from({ length: BATCH }, (_, i) => i % 5);

/** A distiller set up on a student and teacher the way the runtime does it, with an SGD optimiser over all it trains. */
function rig(o: LakdOptions, student: Network, teacher: Network, inputShape: [number, number, number], seed = 1) {
  const distiller = new LakdDistiller(o);
  distiller.setup({
    student,
    teacher,
    numClasses: 5,
    rng: new Rng(seed),
    events: new RunEvents(),
    runDir: '.',
    createNetwork: async () => Promise.reject(new Error('unused')),
  });
  const vars = [student, ...distiller.extraModules()].flatMap((m) => m.trainableVariables());
  const optimizer = new Optimizer(
    { type: 'sgd', lr: 0.05, momentum: 0.9 },
    vars.map((variable, i) => ({ id: `p${i}`, variable, decay: true })),
  );
  const x = tf.randomNormal([BATCH, ...inputShape], 0, 1, 'float32', seed + 10) as tf.Tensor4D;
  const labels = tf.tensor1d(LABELS, 'int32');
  /** One training step at `epoch` of `epochs`; the logged terms as numbers. */
  const step = (epoch = 0, epochs = 1): Record<string, number> =>
    tf.tidy(() => {
      const r: LossTerms = distiller.trainStep({
        epoch,
        epochs,
        step: 0,
        globalStep: 0,
        stage: 'main',
        x,
        labels,
        student,
        teacher,
        numClasses: 5,
        optimizer,
      });
      return Object.fromEntries([...Object.entries(r.terms), ['total', r.total]].map(([k, v]) => [k, (v as tf.Scalar).dataSync()[0]!]));
    });
  /** Student features (training mode: the batch statistics the step's forward uses) and teacher outputs, as arrays. */
  const features = () =>
    tf.tidy(() => {
      const s = student.apply(x, { training: true });
      const t = teacher.apply(x, { training: false });
      const arr = (f: Record<string, tf.Tensor>) => Object.fromEntries(Object.entries(f).map(([k, v]) => [k, v.arraySync() as Map4]));
      return { s: arr(s.features), t: arr(t.features), sLogits: s.logits.arraySync(), tLogits: t.logits.arraySync() };
    });
  const snapshot = (vs: readonly tf.Variable[]) => vs.map((v) => Float32Array.from(v.dataSync()));
  const dispose = () => {
    optimizer.dispose();
    distiller.dispose();
    [student, teacher, x, labels].forEach((t) => t.dispose());
  };
  return { distiller, optimizer, vars, x, labels, step, features, snapshot, dispose };
}

const same = (a: Float32Array[], b: Float32Array[]) => a.every((v, i) => v.length === b[i]!.length && v.every((x, j) => x === b[i]![j]));

describe('LAKD training step: objective variants against float64 references', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(['weight', 'both'] as const)(
    'ndam.mode "%s": the feature loss is weighted by the teacher map (mean 1); attention only with "both"',
    (mode) => {
      // Equal channel counts, so no connector: the logged feature loss compares the raw stage features.
      const r = rig(options({ ndam: { mode }, alpha: 0.6 }), tinyCnn([4, 8], 's', 1), tinyCnn([4, 8], 't', 2), [12, 12, 1]);
      expect(r.distiller.extraModules()).toHaveLength(0);
      const f = r.features();
      const before = r.snapshot(r.vars);
      const terms = r.step();
      const expected = {
        'm1.feature': featureLossRef(f.s['stage1']!, f.t['stage1']!, NDAM),
        'm2.feature': featureLossRef(f.s['stage2']!, f.t['stage2']!, NDAM),
        ce: crossEntropyRef(f.sLogits, LABELS),
      };
      for (const [k, v] of Object.entries(expected)) expect(rel(terms[k]!, v), k).toBeLessThan(1e-5);
      expect(same(r.snapshot(r.vars), before)).toBe(false);
      // The weighting matters on these maps: the unweighted MSE is measurably different.
      expect(rel(featureLossRef(f.s['stage1']!, f.t['stage1']!), expected['m1.feature'])).toBeGreaterThan(1e-2);
      const att = (l: string) => attentionRef(f.s[l]!, f.t[l]!, NDAM, 'sum');
      if (mode === 'both') {
        expect(rel(terms['m1.attention']!, att('stage1'))).toBeLessThan(1e-4);
        expect(rel(terms['m2.attention']!, att('stage2'))).toBeLessThan(1e-4);
      } else {
        expect(Object.keys(terms)).not.toContain('m1.attention');
        expect(Object.keys(terms)).not.toContain('m2.attention');
      }
      // Module totals: β·L_lf (+ (1 − α)·L_att), and α·CE on the last.
      const w = mode === 'both' ? 0.4 : 0;
      expect(rel(terms['m1.total']!, expected['m1.feature'] + w * att('stage1'))).toBeLessThan(1e-5);
      expect(rel(terms['m2.total']!, expected['m2.feature'] + w * att('stage2') + 0.6 * expected.ce)).toBeLessThan(1e-5);
      r.dispose();
    },
  );

  it('ndam stride 2: each cell of the half-size teacher map weighs its 2×2 block; a stride that does not tile a map is refused at setup', () => {
    const strided = { ...NDAM, stride: 2 };
    const r = rig(
      options({ ndam: { stride: 2 } }),
      tinyCnn([4, 8], 's', 15, [16, 16, 1]),
      tinyCnn([4, 8], 't', 16, [16, 16, 1]),
      [16, 16, 1],
    );
    const f = r.features();
    const terms = r.step();
    expect(rel(terms['m1.feature']!, featureLossRef(f.s['stage1']!, f.t['stage1']!, strided))).toBeLessThan(1e-5);
    expect(rel(terms['m2.feature']!, featureLossRef(f.s['stage2']!, f.t['stage2']!, strided))).toBeLessThan(1e-5);
    // and not the stride-1 weighting (1.6e-4 away, 16× the tolerance above)
    expect(rel(featureLossRef(f.s['stage1']!, f.t['stage1']!, NDAM), terms['m1.feature']!)).toBeGreaterThan(5e-5);
    r.dispose();
    // 12×12 input: stage 2 is 3×3, which stride 2 cannot tile
    expect(() => rig(options({ ndam: { stride: 2 } }), tinyCnn([4, 8], 's', 15), tinyCnn([4, 8], 't', 16), [12, 12, 1])).toThrow(
      /\/distiller\/ndam\/stride: .* 3×3 feature map/,
    );
  });

  it('pools the larger map down to the smaller (matchSpatial): a hand-computed 4×4 → 2×2 case, either argument larger', () => {
    tf.tidy(() => {
      // Channel 0 counts 0..15 row-major, channel 1 is its negative.
      const big = tf.tensor4d(Array.from({ length: 16 }, (_, i) => [i, -i]).flat(), [1, 4, 4, 2]);
      const small = tf.zeros([1, 2, 2, 2]) as tf.Tensor4D;
      // Window means: (0+1+4+5)/4 = 2.5, (2+3+6+7)/4 = 4.5, (8+9+12+13)/4 = 10.5, (10+11+14+15)/4 = 12.5.
      const want = [2.5, -2.5, 4.5, -4.5, 10.5, -10.5, 12.5, -12.5];
      const [a, b] = matchSpatial(big, small);
      expect(Array.from(a.dataSync())).toEqual(want);
      expect(b).toBe(small);
      const [c, d] = matchSpatial(small, big);
      expect(c).toBe(small);
      expect(Array.from(d.dataSync())).toEqual(want);
      expect(() => matchSpatial(big, tf.zeros([1, 3, 3, 2]) as tf.Tensor4D)).toThrow(/4×4 and 3×3 cannot be matched by pooling/);
    });
  });

  it('a teacher with other spatial sizes: the student map is pooled before the feature and attention losses', () => {
    // Student stages 12×12×4, 6×6×8; teacher stages 12×12×4, 6×6×4, 3×3×8: module l imitates teacher stage l + 1 at half the size.
    const r = rig(
      options({ teacherStages: ['stage2', 'stage3'], alpha: 0.5, ndam: { mode: 'both' } }),
      tinyCnn([4, 8], 's', 3, [24, 24, 1]),
      tinyCnn([4, 4, 8], 't', 4, [24, 24, 1]),
      [24, 24, 1],
    );
    expect(r.distiller.extraModules()).toHaveLength(0);
    const f = r.features();
    const terms = r.step();
    const pooled1 = avgPoolTo(f.s['stage1']!, 6, 6);
    const pooled2 = avgPoolTo(f.s['stage2']!, 3, 3);
    expect(rel(terms['m1.feature']!, featureLossRef(pooled1, f.t['stage2']!, NDAM))).toBeLessThan(1e-5);
    expect(rel(terms['m2.feature']!, featureLossRef(pooled2, f.t['stage3']!, NDAM))).toBeLessThan(1e-5);
    expect(rel(terms['m1.attention']!, attentionRef(pooled1, f.t['stage2']!, NDAM, 'sum'))).toBeLessThan(1e-4);
    expect(rel(terms['m2.attention']!, attentionRef(pooled2, f.t['stage3']!, NDAM, 'sum'))).toBeLessThan(1e-4);
    r.dispose();
  });

  it('connector "always": a 1×1 conv + BN maps every module’s feature even where channel counts agree', () => {
    const auto = new LakdDistiller(options({}));
    const [s0, t0] = [tinyCnn([4, 8], 'sa', 5), tinyCnn([4, 8], 'ta', 6)];
    auto.setup({
      student: s0,
      teacher: t0,
      numClasses: 5,
      rng: new Rng(1),
      events: new RunEvents(),
      runDir: '.',
      createNetwork: async () => Promise.reject(new Error('unused')),
    });
    expect(auto.extraModules()).toHaveLength(0);
    auto.dispose();
    [s0, t0].forEach((n) => n.dispose());

    const r = rig(options({ connector: 'always', ndam: { mode: 'off' } }), tinyCnn([4, 8], 's', 5), tinyCnn([4, 8], 't', 6), [12, 12, 1]);
    const connectors = r.distiller.extraModules();
    expect(connectors.map((c) => c.name)).toEqual(['lakd_connector1', 'lakd_connector2']);
    const f = r.features();
    const params = connectors.map((c) => {
      const vs = c.trainableVariables();
      const pick = (part: string) => vs.find((v) => v.name.includes(part))!.arraySync();
      return { kernel: pick('kernel') as number[][][][], gamma: pick('gamma') as number[], beta: pick('beta') as number[] };
    });
    const before = r.snapshot(connectors.flatMap((c) => c.trainableVariables()));
    const terms = r.step();
    const mapped = (l: number, stage: string) => connectorRef(f.s[stage]!, params[l]!.kernel, params[l]!.gamma, params[l]!.beta);
    const m1 = featureLossRef(mapped(0, 'stage1'), f.t['stage1']!);
    const m2 = featureLossRef(mapped(1, 'stage2'), f.t['stage2']!);
    expect(rel(terms['m1.feature']!, m1)).toBeLessThan(1e-5);
    expect(rel(terms['m2.feature']!, m2)).toBeLessThan(1e-5);
    // Not the unmapped MSE: the connector is really in the loss…
    expect(rel(featureLossRef(f.s['stage1']!, f.t['stage1']!), m1)).toBeGreaterThan(1e-2);
    // …and trained by it.
    expect(same(r.snapshot(connectors.flatMap((c) => c.trainableVariables())), before)).toBe(false);
    r.dispose();
  });

  it('hardLoss "ce+kd": the last module adds kdWeight·τ²·KL(p_T ‖ p_S) to CE, weighted by α', () => {
    const r = rig(
      options({ hardLoss: 'ce+kd', kdWeight: 0.7, temperature: 3, alpha: 0.6, attentionWeight: 0.25, ndam: LOSS_MEAN }),
      tinyCnn([4, 8], 's', 7),
      tinyCnn([4, 8], 't', 8),
      [12, 12, 1],
    );
    const f = r.features();
    const terms = r.step();
    const ce = crossEntropyRef(f.sLogits, LABELS);
    const kd = kdRef(f.sLogits, f.tLogits, 3);
    expect(rel(terms['ce']!, ce)).toBeLessThan(1e-5);
    expect(rel(terms['kd']!, kd)).toBeLessThan(1e-4);
    const feature = featureLossRef(f.s['stage2']!, f.t['stage2']!);
    const att = attentionRef(f.s['stage2']!, f.t['stage2']!, NDAM, 'mean');
    expect(rel(terms['m2.total']!, feature + 0.25 * att + 0.6 * (ce + 0.7 * kd))).toBeLessThan(1e-5);
    // With plain CE there is no kd term and the total drops it.
    const plain = rig(
      options({ kdWeight: 0.7, temperature: 3, alpha: 0.6, attentionWeight: 0.25, ndam: LOSS_MEAN }),
      tinyCnn([4, 8], 's', 7),
      tinyCnn([4, 8], 't', 8),
      [12, 12, 1],
    );
    const p = plain.step();
    expect(Object.keys(p)).not.toContain('kd');
    expect(rel(p['m2.total']!, feature + 0.25 * att + 0.6 * ce)).toBeLessThan(1e-5);
    plain.dispose();
    r.dispose();
  });
});

describe('LAKD training step: module structure and curriculum', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('groups stages into one module ([["stage1","stage2"],["stage3"]]): isolation holds at the new boundary, gradients flow inside the group', () => {
    const student = tinyCnn([4, 8, 8], 's', 9, [16, 16, 1]);
    const teacher = tinyCnn([4, 8, 8], 't', 10, [16, 16, 1]);
    const groups = [['stage1', 'stage2'], ['stage3']];
    const modules = planModules(student, teacher, groups, null, 'output');
    expect(modules.map((m) => [m.stages, m.studentFeature, m.teacherFeature, m.last])).toEqual([
      [[0, 1], 'stage2', 'stage2', false],
      [[2], 'stage3', 'stage3', true],
    ]);
    const names = (vs: tf.Variable[]) => vs.map((v) => v.name).sort();
    const first = names([...student.stageVariables!(0), ...student.stageVariables!(1)]);
    const second = names([...student.stageVariables!(2), ...student.stageVariables!(3)]);
    tf.tidy(() => {
      const x = tf.randomNormal([BATCH, 16, 16, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
      const labels = tf.tensor1d(LABELS, 'int32');
      const input = {
        student,
        modules,
        connectors: [undefined, undefined],
        x,
        labels,
        teacher: outputSource(teacher.apply(x, { training: false })),
      };
      const settings = {
        alpha: 0.5,
        attentionWeight: 0.5,
        beta: 1,
        ndamMode: 'loss',
        ndam: { stride: 1, ...NDAM, reduction: 'mean' as const },
        lastFeatureLoss: true,
        hardLoss: 'ce',
        kdWeight: 1,
        temperature: 4,
      } as const;
      const res = localStep({ ...input, settings, active: [true, true], truncate: true });
      expect([...res.reachedBy[0]!].sort()).toEqual(first);
      expect([...res.reachedBy[1]!].sort()).toEqual(second);
      // Inside the group, stage 2's loss reaches stage 1's convolution.
      const conv1 = [...res.grads.keys()].find((v) => v.name.includes('stage1_conv1'))!;
      expect(tf.max(tf.abs(res.grads.get(conv1)!)).dataSync()[0]).toBeGreaterThan(0);
      // The second module's loss alone reaches nothing of the first…
      const late = localStep({ ...input, settings, active: [false, true], truncate: true });
      expect(names([...late.grads.keys()])).toEqual(second);
      // …which is what truncation does: without it the same loss reaches both stages of the group.
      const through = names([...localStep({ ...input, settings, active: [false, true], truncate: false }).grads.keys()]);
      expect(first.every((n) => through.includes(n))).toBe(true);
    });
    // Trained through the distiller, the grouped plan lowers each module's loss.
    const r = rig(options({ modules: groups, ndam: { mode: 'both' } }), student, teacher, [16, 16, 1]);
    const history = Array.from({ length: 20 }, () => r.step());
    expect(
      Object.keys(history[0]!)
        .filter((k) => k.startsWith('m'))
        .sort(),
    ).toEqual(['m1.attention', 'm1.feature', 'm1.total', 'm2.attention', 'm2.feature', 'm2.total']);
    expect(history.at(-1)!['m1.total']!).toBeLessThan(0.8 * history[0]!['m1.total']!);
    expect(history.at(-1)!['m2.total']!).toBeLessThan(0.8 * history[0]!['m2.total']!);
    r.dispose();
  });

  it('progressive [0, 1, 2]: a module’s trainable variables stay unchanged until its start epoch, then train', () => {
    const student = tinyCnn([4, 8, 8], 's', 11, [16, 16, 1]);
    const teacher = tinyCnn([8, 8, 16], 't', 12, [16, 16, 1]);
    const r = rig(options({ progressive: [0, 1, 2] }), student, teacher, [16, 16, 1]);
    // Connectors 4→8 (module 1) and 8→16 (module 3) belong to their modules.
    const connectors = r.distiller.extraModules();
    expect(connectors.map((c) => c.name)).toEqual(['lakd_connector1', 'lakd_connector3']);
    const moduleVars = [
      [...student.stageVariables!(0), ...connectors[0]!.trainableVariables()],
      student.stageVariables!(1),
      [...student.stageVariables!(2), ...student.stageVariables!(3), ...connectors[1]!.trainableVariables()],
    ];
    const epochs = 3;
    for (let epoch = 0; epoch < epochs; epoch++) {
      const before = moduleVars.map((vs) => r.snapshot(vs));
      const terms = [r.step(epoch, epochs), r.step(epoch, epochs)];
      moduleVars.forEach((vs, l) => {
        expect(same(r.snapshot(vs), before[l]!), `epoch ${epoch}, module ${l + 1}`).toBe(l > epoch);
        for (const t of terms) expect(Object.keys(t).includes(`m${l + 1}.total`), `epoch ${epoch}, m${l + 1}.total`).toBe(l <= epoch);
      });
      expect(Object.keys(terms[0]!).includes('ce')).toBe(epoch >= 2);
    }
    r.dispose();
  });

  it('progressive "linear" derives the start epochs from the stage’s epochs: 2 modules of 4 epochs start at 0 and 1', () => {
    const student = tinyCnn([4, 8], 's', 13);
    const r = rig(options({ progressive: 'linear' }), student, tinyCnn([4, 8], 't', 14), [12, 12, 1]);
    const head = [...student.stageVariables!(1), ...student.stageVariables!(2)];
    const before = r.snapshot(head);
    expect(Object.keys(r.step(0, 4))).not.toContain('m2.total');
    expect(same(r.snapshot(head), before)).toBe(true);
    expect(Object.keys(r.step(1, 4))).toContain('m2.total');
    expect(same(r.snapshot(head), before)).toBe(false);
    r.dispose();
  });
});
