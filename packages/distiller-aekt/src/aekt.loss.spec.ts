import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core alone registers no gradients; the runtime (like @tensorflow/tfjs) imports them once.
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { decomposeKl, dkdLossTerms } from '@kd/distiller-dkd';
import { AEKT_LOSS_DEFAULTS, aektLoss, aektLossTerms, aektRatio, type AektExplicitForm, type AektLossOptions } from './aekt.loss.js';
import { SerializationLayer, serializeLogits, type SerialOrder } from './serialization-layer.js';
import { confidentTeacher, describeCases, describeOnBackends, fixtureCases, randomLabels, randomLogits, relErr } from '@kd/testing';

interface FixtureCase {
  name: string;
  batch: number;
  classes: number;
  options: Required<Omit<AektLossOptions, 'ratioClip'>> & { ratioClip: [number, number] };
  serialOrder: SerialOrder;
  studentLogits: number[][];
  teacherLogits: number[][];
  labels: number[];
  weight: number[][];
  bias: number[];
  expected: {
    total: number;
    ce: number;
    explicit: number;
    nckd: number;
    ratioMean: number;
    clipRate: number;
    ratio: number[];
    gradStudent: number[][];
    gradWeight: number[][];
    gradBias: number[];
  };
}

const cases = fixtureCases<FixtureCase>(import.meta.dirname, 'aekt-fixtures.json');

/** Float32 tolerance: max |actual − expected| relative to max |expected| (plain relative error for a scalar). */

const teacherFor = confidentTeacher;

/** A layer set to W = I + noise, b = noise (a trained-looking serialisation layer). */
function perturbedLayer(classes: number, seed: number): SerializationLayer {
  const layer = new SerializationLayer(classes);
  tf.tidy(() => {
    layer.weight.assign(tf.add(tf.eye(classes), tf.randomNormal([classes, classes], 0, 0.2, 'float32', seed)));
    layer.bias.assign(tf.randomNormal([classes], 0, 0.5, 'float32', seed + 1));
  });
  return layer;
}

/** Gradients of `f` with respect to the student logits and the layer's weight and bias. */
function gradsOf(z: tf.Tensor2D, layer: SerializationLayer, f: (z: tf.Tensor2D) => tf.Scalar) {
  const zVar = tf.variable(z, true);
  try {
    const { value, grads } = tf.variableGrads(() => f(zVar as unknown as tf.Tensor2D), [zVar, layer.weight, layer.bias]);
    const out = {
      value: value.dataSync()[0]!,
      z: grads[zVar.name] ? Array.from(grads[zVar.name]!.dataSync()) : null,
      w: grads[layer.weight.name] ? Array.from(grads[layer.weight.name]!.dataSync()) : null,
      b: grads[layer.bias.name] ? Array.from(grads[layer.bias.name]!.dataSync()) : null,
    };
    tf.dispose([value, ...Object.values(grads)]);
    return out;
  } finally {
    zVar.dispose();
  }
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('aekt-fixtures.json (independent PyTorch float64 reference of the reconstructed loss)', () => {
  it('covers both explicit forms, both orders, active clipping, non-identity layers and r ≡ 1', () => {
    const cs = cases;
    expect(cs.length).toBeGreaterThanOrEqual(10);
    expect(new Set(cs.map((c) => c.options.explicitForm))).toEqual(new Set<AektExplicitForm>(['weightedTCKD', 'softTargetCE']));
    expect(new Set(cs.map((c) => c.serialOrder))).toEqual(new Set<SerialOrder>(['cls->kd', 'kd->cls']));
    expect(cs.filter((c) => c.expected.clipRate > 0).length).toBeGreaterThanOrEqual(6);
    expect(cs.some((c) => !c.options.adaptive)).toBe(true);
    const nonIdentity = cs.filter((c) => c.weight.some((row, i) => row.some((v, j) => v !== (i === j ? 1 : 0))));
    expect(nonIdentity.length).toBeGreaterThanOrEqual(8);
  });
});

describeOnBackends('aekt-fixtures.json', { cpu: 1e-5, wasm: 1e-4 }, (b) => {
  describeCases(cases, (c) => {
    let layer: SerializationLayer;
    let z: tf.Tensor2D;
    let t: tf.Tensor2D;
    let y: tf.Tensor1D;
    beforeAll(() => {
      layer = new SerializationLayer(c.classes);
      layer.weight.assign(tf.tensor2d(c.weight, [c.classes, c.classes], 'float32'));
      layer.bias.assign(tf.tensor1d(c.bias, 'float32'));
      z = tf.tensor2d(c.studentLogits, [c.batch, c.classes], 'float32');
      t = tf.tensor2d(c.teacherLogits, [c.batch, c.classes], 'float32');
      y = tf.tensor1d(c.labels, 'int32');
    });
    afterAll(() => {
      layer.dispose();
      tf.dispose([z, t, y]);
    });

    it('loss terms, ratios and clip rate match', () => {
      tf.tidy(() => {
        const { cls, kd } = serializeLogits(z, layer, c.serialOrder);
        const r = aektLossTerms(cls, kd, t, y, c.options);
        const e = c.expected;
        b.value(r.total.dataSync()[0]!, e.total, 'total');
        b.value(r.ce.dataSync()[0]!, e.ce, 'ce');
        b.value(r.explicit.dataSync()[0]!, e.explicit, 'explicit');
        b.value(r.nckd.dataSync()[0]!, e.nckd, 'nckd');
        b.value(r.ratioMean.dataSync()[0]!, e.ratioMean, 'ratioMean');
        expect(r.clipRate.dataSync()[0]).toBeCloseTo(e.clipRate, 6);
        if (c.options.adaptive) {
          b.value(aektRatio(kd, t, y, c.options).dataSync(), e.ratio, 'ratio');
        }
      });
    });

    it('gradients w.r.t. the student logits, the serialisation weight and bias match', () => {
      const g = gradsOf(z, layer, (zz) => {
        const { cls, kd } = serializeLogits(zz, layer, c.serialOrder);
        return aektLoss(cls, kd, t, y, c.options);
      });
      b.gradient(g.value, c.expected.total, 'total (with gradients)');
      b.gradient(g.z!, c.expected.gradStudent.flat(), 'd/dz');
      b.gradient(g.w!, c.expected.gradWeight.flat(), 'd/dW');
      b.gradient(g.b!, c.expected.gradBias, 'd/db');
    });
  });
});

describe('(a) with r ≡ 1 and the serialisation layer at identity, AEKT is DKD exactly', () => {
  const settings = [
    { batch: 8, classes: 3, temperature: 1, seed: 30, beta: 8, ceWeight: 1, warmupFactor: 1, gamma: 1 },
    { batch: 8, classes: 10, temperature: 4, seed: 31, beta: 2, ceWeight: 1, warmupFactor: 0.25, gamma: 1 },
    { batch: 16, classes: 100, temperature: 4, seed: 32, beta: 8, ceWeight: 0.5, warmupFactor: 1, gamma: 2 },
    { batch: 4, classes: 10, temperature: 0.5, seed: 33, beta: 6, ceWeight: 1, warmupFactor: 0.05, gamma: 0.5 },
  ];

  it.each(settings)('%o', ({ batch, classes, seed, gamma, ...rest }) => {
    const layer = new SerializationLayer(classes);
    const y = randomLabels(batch, classes, seed);
    const z = randomLogits(batch, classes, seed + 100);
    const t = teacherFor(y, classes, seed + 200);
    const aektOptions: AektLossOptions = { ...rest, gamma, adaptive: false };
    const dkdOptions = { ...rest, alpha: gamma };
    tf.tidy(() => {
      const a = aektLossTerms(z, layer.apply(z), t, y, aektOptions);
      const d = dkdLossTerms(z, t, y, dkdOptions);
      expect(a.total.dataSync()[0]).toBe(d.total.dataSync()[0]);
      expect(a.ce.dataSync()[0]).toBe(d.ce.dataSync()[0]);
      expect(a.explicit.dataSync()[0]).toBe(d.tckd.dataSync()[0]);
      expect(a.nckd.dataSync()[0]).toBe(d.nckd.dataSync()[0]);
      expect(a.ratioMean.dataSync()[0]).toBe(1);
      expect(a.clipRate.dataSync()[0]).toBe(0);
      // without the layer (serialization: false) as well
      expect(aektLoss(z, z, t, y, aektOptions).dataSync()[0]).toBe(d.total.dataSync()[0]);
    });
    const ga = gradsOf(z, layer, (zz) => aektLoss(zz, layer.apply(zz), t, y, aektOptions)).z!;
    const gd = tf.tidy(() =>
      Array.from(
        tf
          .grad((x: tf.Tensor) => dkdLossTerms(x as tf.Tensor2D, t, y, dkdOptions).total)(z)
          .dataSync(),
      ),
    );
    expect(ga).toEqual(gd);
    const gNoLayer = tf.tidy(() =>
      Array.from(
        tf
          .grad((x: tf.Tensor) => aektLoss(x as tf.Tensor2D, x as tf.Tensor2D, t, y, aektOptions))(z)
          .dataSync(),
      ),
    );
    expect(gNoLayer).toEqual(gd);
    layer.dispose();
    tf.dispose([y, z, t]);
  });

  it('and the adaptive version differs from DKD (the ratio matters)', () => {
    tf.tidy(() => {
      const y = randomLabels(8, 10, 40);
      const z = randomLogits(8, 10, 41);
      const t = teacherFor(y, 10, 42);
      const a = aektLoss(z, z, t, y).dataSync()[0]!;
      const d = dkdLossTerms(z, t, y).total.dataSync()[0]!;
      expect(Math.abs(a - d) / d).toBeGreaterThan(1e-3);
    });
  });
});

describe('(c) the ratio is a stop-gradient', () => {
  it.each([
    ['weightedTCKD', 4, 50],
    ['softTargetCE', 4, 51],
    ['weightedTCKD', 1, 52],
    ['softTargetCE', 2, 53],
  ] as const)('%s, τ = %d: the gradient equals the one with r fed as a constant', (explicitForm, temperature, seed) => {
    const classes = 10;
    const layer = perturbedLayer(classes, seed);
    const y = randomLabels(8, classes, seed);
    const z = randomLogits(8, classes, seed + 100);
    const t = teacherFor(y, classes, seed + 200);
    const options: AektLossOptions = {
      explicitForm,
      temperature,
      ratioClip: [0.2, 5],
      gamma: 1.5,
      beta: 3,
      ceWeight: 0.7,
      warmupFactor: 0.5,
      // the clipped ratio itself (normalisation would put every sample off the clip bounds this test looks for)
      ratioNormalization: 'none',
    };
    const tau2 = temperature * temperature;
    // r computed once, outside the gradient closure: a constant tensor
    const rConst = tf.tidy(() => aektRatio(layer.apply(z), t, y, options));
    const clipped = tf.tidy(() => tf.sum(tf.cast(tf.logicalOr(tf.equal(rConst, 0.2), tf.equal(rConst, 5)), 'int32')).dataSync()[0]!);
    expect(clipped).toBeGreaterThan(0); // some samples clipped ...
    expect(clipped).toBeLessThan(8); // ... and some not (those are where a non-detached r would differ)

    // the loss rebuilt from DKD's per-sample terms, with the constant r
    const manual = (detached: boolean) => (zz: tf.Tensor2D) =>
      tf.tidy(() => {
        const kd = layer.apply(zz);
        const onehot = tf.oneHot(y, classes);
        const d = decomposeKl(kd, t, y, temperature);
        const logPs = tf.sum(tf.mul(onehot, tf.logSoftmax(tf.div(kd, temperature))), 1);
        const r = detached ? rConst : tf.clipByValue(tf.div(d.teacherTargetProb, tf.exp(logPs)), 0.2, 5);
        const per = explicitForm === 'weightedTCKD' ? d.tckd : tf.neg(tf.mul(d.teacherTargetProb, logPs));
        const explicit = tf.mul(tf.mean(tf.mul(r, per)), tau2);
        const nckd = tf.mul(tf.mean(d.nckd), tau2);
        const ce = tf.neg(tf.mean(tf.sum(tf.mul(onehot, tf.logSoftmax(zz)), 1)));
        return tf.add(tf.mul(ce, 0.7), tf.mul(tf.add(tf.mul(explicit, 1.5), tf.mul(nckd, 3)), 0.5)) as tf.Scalar;
      });
    const g = gradsOf(z, layer, (zz) => aektLoss(zz, layer.apply(zz), t, y, options));
    const gConst = gradsOf(z, layer, manual(true));
    const gLive = gradsOf(z, layer, manual(false));
    expect(relErr(g.value, gConst.value)).toBeLessThan(1e-6);
    expect(relErr(g.z!, gConst.z!)).toBeLessThan(1e-5);
    expect(relErr(g.w!, gConst.w!)).toBeLessThan(1e-5);
    expect(relErr(g.b!, gConst.b!)).toBeLessThan(1e-5);
    // a ratio that were not stopped would give a clearly different gradient
    expect(relErr(gLive.z!, gConst.z!)).toBeGreaterThan(1e-3);
    // and the ratio alone has a zero gradient
    const gr = tf.tidy(() =>
      Array.from(
        tf
          .grad((x: tf.Tensor) => tf.sum(aektRatio(x as tf.Tensor2D, t, y, options)) as tf.Scalar)(z)
          .dataSync(),
      ),
    );
    expect(gr.every((v) => v === 0)).toBe(true);
    layer.dispose();
    tf.dispose([rConst, y, z, t]);
  });
});

describe('(d) CE does not reach the serialisation layer (order cls->kd)', () => {
  it('the gradient of CE alone w.r.t. W and b is zero (absent), and the W, b gradients do not depend on ceWeight', () => {
    const classes = 10;
    const layer = perturbedLayer(classes, 60);
    const y = randomLabels(8, classes, 61);
    const z = randomLogits(8, classes, 62);
    const t = teacherFor(y, classes, 63);
    const ceOnly = gradsOf(z, layer, (zz) =>
      tf.tidy(() => {
        const { cls, kd } = serializeLogits(zz, layer, 'cls->kd');
        return aektLossTerms(cls, kd, t, y).ce;
      }),
    );
    expect(ceOnly.z!.some((v) => v !== 0)).toBe(true);
    expect(ceOnly.w).toBeNull(); // no path from CE to W: tfjs returns no gradient at all
    expect(ceOnly.b).toBeNull();
    const zeroDistill = gradsOf(z, layer, (zz) => {
      const { cls, kd } = serializeLogits(zz, layer, 'cls->kd');
      return aektLoss(cls, kd, t, y, { gamma: 0, beta: 0 });
    });
    expect(zeroDistill.w!.every((v) => v === 0)).toBe(true);
    expect(zeroDistill.b!.every((v) => v === 0)).toBe(true);
    const withCe = (ceWeight: number) =>
      gradsOf(z, layer, (zz) => {
        const { cls, kd } = serializeLogits(zz, layer, 'cls->kd');
        return aektLoss(cls, kd, t, y, { ceWeight });
      });
    const [g1, g5] = [withCe(1), withCe(5)];
    expect(g1.w).toEqual(g5.w);
    expect(g1.b).toEqual(g5.b);
    expect(g1.w!.some((v) => v !== 0)).toBe(true); // distillation does reach it
    expect(relErr(g1.z!, g5.z!)).toBeGreaterThan(1e-3); // CE does reach the student
    // in the opposite order CE does reach the layer (which is why kd->cls would need FC_ser at inference)
    const reverse = gradsOf(z, layer, (zz) =>
      tf.tidy(() => {
        const { cls, kd } = serializeLogits(zz, layer, 'kd->cls');
        return aektLossTerms(cls, kd, t, y).ce;
      }),
    );
    expect(reverse.w!.some((v) => v !== 0)).toBe(true);
    layer.dispose();
    tf.dispose([y, z, t]);
  });
});

describe('aektLossTerms / aektLoss', () => {
  it('applies the defaults (γ 1, β 8, τ 4, CE 1, clip [0.1, 10], weightedTCKD, adaptive) when options are omitted', () => {
    expect(AEKT_LOSS_DEFAULTS).toMatchObject({
      gamma: 1,
      beta: 8,
      temperature: 4,
      ceWeight: 1,
      warmupFactor: 1,
      explicitForm: 'weightedTCKD',
      adaptive: true,
    });
    expect([...AEKT_LOSS_DEFAULTS.ratioClip]).toEqual([0.1, 10]);
    tf.tidy(() => {
      const y = randomLabels(6, 10, 70);
      const z = randomLogits(6, 10, 71);
      const t = teacherFor(y, 10, 72);
      const a = aektLoss(z, z, t, y).dataSync()[0];
      const b = aektLoss(z, z, t, y, {
        gamma: 1,
        beta: 8,
        temperature: 4,
        ceWeight: 1,
        warmupFactor: 1,
        ratioClip: [0.1, 10],
        explicitForm: 'weightedTCKD',
        adaptive: true,
      }).dataSync()[0];
      expect(a).toBe(b);
    });
  });

  it('total = ceWeight·ce + warmupFactor·(γ·explicit + β·nckd); the teacher gets no gradient', () => {
    tf.tidy(() => {
      const y = randomLabels(6, 10, 73);
      const z = randomLogits(6, 10, 74);
      const t = teacherFor(y, 10, 75);
      const o = { gamma: 2, beta: 3, ceWeight: 0.5, warmupFactor: 0.25, explicitForm: 'softTargetCE' as const };
      const r = aektLossTerms(z, z, t, y, o);
      const [total, ce, explicit, nckd] = [r.total, r.ce, r.explicit, r.nckd].map((x) => x.dataSync()[0]!);
      expect(relErr(total, 0.5 * ce + 0.25 * (2 * explicit + 3 * nckd))).toBeLessThan(1e-6);
      const [, gT] = tf.grads((a: tf.Tensor, b: tf.Tensor) => aektLoss(a as tf.Tensor2D, a as tf.Tensor2D, b as tf.Tensor2D, y, o))([z, t]);
      expect(gT!.dataSync().every((v) => v === 0)).toBe(true);
    });
  });

  it('is finite for extreme logits (p^S_t underflows: r is clipped, no division by zero)', () => {
    tf.tidy(() => {
      const y = tf.tensor1d([0, 1], 'int32');
      const z = tf.tensor2d([
        [-300, 300, 0],
        [300, -300, 0],
      ]);
      const t = tf.tensor2d([
        [300, -300, 0],
        [-300, 300, 0],
      ]);
      for (const explicitForm of ['weightedTCKD', 'softTargetCE'] as const) {
        const r = aektLossTerms(z, z, t, y, { temperature: 1, explicitForm, ratioNormalization: 'none' });
        expect(Number.isFinite(r.total.dataSync()[0])).toBe(true);
        expect(r.ratioMean.dataSync()[0]).toBeCloseTo(10, 5);
        expect(r.clipRate.dataSync()[0]).toBe(1);
        // The default batch-mean normalisation: both samples at r_max, so both weights become exactly 1.
        const n = aektLossTerms(z, z, t, y, { temperature: 1, explicitForm });
        expect(Number.isFinite(n.total.dataSync()[0])).toBe(true);
        expect(n.ratioMean.dataSync()[0]).toBeCloseTo(1, 6);
        const g = tf.grad((x: tf.Tensor) => aektLoss(x as tf.Tensor2D, x as tf.Tensor2D, t, y, { temperature: 1, explicitForm }))(z);
        expect(g.dataSync().every(Number.isFinite)).toBe(true);
      }
    });
  });

  it('rejects bad options and shapes', () => {
    tf.tidy(() => {
      const z = tf.zeros([2, 3]) as tf.Tensor2D;
      const y = tf.tensor1d([0, 1], 'int32');
      expect(() => aektLoss(z, z, z, y, { temperature: 0 })).toThrow(/temperature/);
      expect(() => aektLoss(z, z, z, y, { gamma: -1 })).toThrow(/gamma/);
      expect(() => aektLoss(z, z, z, y, { ratioClip: [10, 0.1] })).toThrow(/ratioClip/);
      expect(() => aektLoss(z, z, z, y, { ratioClip: [0, 0] })).toThrow(/ratioClip/);
      expect(() => aektLoss(z, z, z, y, { explicitForm: 'tckd' as never })).toThrow(/explicitForm/);
      expect(() => aektLoss(z, z, z, y, { adaptive: 1 as never })).toThrow(/adaptive/);
      expect(() => aektLoss(z, tf.zeros([2, 4]) as tf.Tensor2D, z, y)).toThrow(/shape/);
      expect(() => aektLoss(z, z, z, tf.tensor1d([0], 'int32'))).toThrow(/labels/);
      expect(() => serializeLogits(z, null, 'x' as never)).toThrow(/serialOrder/);
    });
  });

  it('leaks no tensors (forward, gradients, ratio, layer, errors)', () => {
    const layer = perturbedLayer(10, 80);
    const y = randomLabels(4, 10, 81);
    const z = randomLogits(4, 10, 82);
    const t = teacherFor(y, 10, 83);
    const before = tf.memory().numTensors;
    for (const explicitForm of ['weightedTCKD', 'softTargetCE'] as const) {
      for (const adaptive of [true, false]) {
        const o = { explicitForm, adaptive };
        const kd = layer.apply(z);
        const r = aektLossTerms(z, kd, t, y, o);
        expect(tf.memory().numTensors).toBe(before + 1 + 6);
        tf.dispose([kd, r.total, r.ce, r.explicit, r.nckd, r.ratioMean, r.clipRate]);
        const l = aektLoss(z, z, t, y, o);
        expect(tf.memory().numTensors).toBe(before + 1);
        l.dispose();
        const g = gradsOf(z, layer, (zz) => aektLoss(zz, layer.apply(zz), t, y, o));
        expect(g.w).not.toBeNull();
        expect(tf.memory().numTensors).toBe(before);
      }
    }
    const ratio = aektRatio(z, t, y);
    expect(tf.memory().numTensors).toBe(before + 1);
    ratio.dispose();
    expect(() => aektLoss(z, z, t, y, { temperature: -1 })).toThrow();
    expect(tf.memory().numTensors).toBe(before);
    layer.dispose();
    layer.dispose(); // idempotent
    expect(tf.memory().numTensors).toBe(before - 2);
    tf.dispose([y, z, t]);
  });
});
