import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { compilePluginSchema, createKdContainer, Rng, type BackboneContext, type BackbonePlugin, type LayersNetwork } from '@kd/core';
import { expectBatchNormModes } from './zoo-checks.js';

type Shape3 = readonly [number, number, number];

/** A backbone context as a run builds it: `seed` seeds the init RNG, `scope` prefixes the layer names. */
export function backboneContext(scope: string, seed = 1, inputShape: Shape3 = [32, 32, 3], numClasses = 10): BackboneContext {
  return { numClasses, inputShape, rng: new Rng(seed), scope };
}

/** Stage shapes (NHWC, no batch) of square maps: `sizes[i]`×`sizes[i]`×`channels[i]`. */
export const squareStages = (sizes: readonly number[], channels: readonly number[]): number[][] =>
  sizes.map((hw, i) => [hw, hw, channels[i]!]);

/** Name → shape of each tensor of a record (a network's `features`). */
export const featureShapes = (r: Readonly<Record<string, tf.Tensor>>): Record<string, number[]> =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.shape]));

/**
 * One network built and checked: its stage shapes, parameter and FLOP counts and, with `forward`, one inference-mode
 * pass with the features (by name, shape and order), embedding width and logits width it gives. Every number is the
 * spec's own, derived from the reference (or by hand), never read back from the code.
 */
export interface BackboneBuildCase<V> {
  readonly title: string;
  /** The `options()` argument; the spec's default when absent. */
  readonly variant?: V;
  readonly inputShape?: Shape3;
  readonly numClasses?: number;
  readonly stages?: readonly (readonly number[])[];
  readonly params?: number;
  readonly flops?: number;
  readonly forward?: {
    readonly batch: number;
    /** Standard normal inputs (from `seed`, default 1), or zeros. */
    readonly input?: 'normal' | 'zeros';
    readonly seed?: number;
    /** Every feature with its shape (batch first), in the order the network returns them. */
    readonly features?: Readonly<Record<string, readonly number[]>>;
    /**
     * Or the same, from the case's `stages` (shapes without the batch): `stem`, then each `stageN` with its
     * `stageN_preact` of the same shape before or after it (or none), then `extra`.
     */
    readonly derived?: {
      readonly stem: readonly number[];
      readonly preacts: 'before' | 'after' | 'none';
      readonly extra?: Readonly<Record<string, readonly number[]>>;
    };
    readonly embedding?: number;
    /** What the spec knows of these outputs beyond shapes (runs inside `tf.tidy`). */
    readonly check?: (out: { features: Record<string, tf.Tensor>; embedding: tf.Tensor; logits: tf.Tensor }) => void;
  };
  /** Further checks on the built network (its variables by name, …). */
  readonly check?: (network: LayersNetwork) => void;
}

/** What a backbone package's network spec states about itself; the checks are the same for every backbone. */
export interface BackboneCase<O, V> {
  /** The `describe` title (the network class). */
  readonly title: string;
  readonly plugin: BackbonePlugin<O>;
  /** Options as the factory receives them for `variant` (the spec's default network when `undefined`). */
  readonly options: (variant?: V) => O;
  readonly construct: (options: O, context: BackboneContext) => LayersNetwork;
  /** The input every test uses unless it says otherwise (default 32×32×3). */
  readonly inputShape?: Shape3;
  /** A zoo backbone: its variant table, the PyTorch reference counts (test/param-counts.json) and the schema's enum. */
  readonly zoo?: {
    readonly variants: Readonly<Record<string, unknown>>;
    readonly referenceCounts: Readonly<Record<string, Readonly<Record<string, number>>>>;
    /** The options schema's `variant` enum (absent where the options are not a variant, as WRN's depth and widen). */
    readonly schemaEnum?: readonly string[];
    /** Counts the reference's published tables give: [variant, classes, parameters]. */
    readonly published?: readonly (readonly [string, number, number])[];
    /** The variants whose count is checked at 10 and 100 classes (every variant by default). */
    readonly counted?: readonly V[];
    /** The input the counts are checked at (parameter counts do not depend on the spatial size). */
    readonly countInputShape?: Shape3;
  };
  /** Strict validation: what `{ name }` becomes, and option sets accepted or refused. */
  readonly schema?: {
    readonly defaults: Readonly<Record<string, unknown>>;
    readonly valid?: readonly Readonly<Record<string, unknown>>[];
    readonly invalid?: readonly Readonly<Record<string, unknown>>[];
  };
  readonly builds?: readonly BackboneBuildCase<V>[];
  /** Initialisation from the run's RNG (seeds 5, 5, 6 under three scopes), then the reference's init statistics. */
  readonly init?: {
    readonly title: string;
    readonly variant?: V;
    readonly inputShape?: Shape3;
    /** State variables the network must have (scope-free names). */
    readonly names?: readonly string[];
    /** Variables that start at exactly 1 (batch-norm γ, running variances) and at exactly 0 (β, zeroed biases). */
    readonly ones?: readonly string[];
    readonly zeros?: readonly string[];
    readonly check: (byName: Map<string, number[]>) => void;
  };
  /** A batch norm whose running mean stays at 0 in inference mode and moves in training mode. */
  readonly runningStats?: { readonly bn: string; readonly inputShape: Shape3; readonly batch: number };
  /** `expectBatchNormModes` on each variant: the first norm `bn`, its input recomputed by `bnInput`, a deep norm. */
  readonly batchNormModes?: {
    readonly variants: readonly (V | undefined)[];
    readonly inputShape: Shape3;
    readonly bn: string;
    readonly bnInput: (network: LayersNetwork, x: tf.Tensor4D) => tf.Tensor4D;
    readonly deepBn: (variant: V | undefined) => string;
  };
  /** Plain SGD steps on labels [1, 7]: finite loss, a gradient per variable, no tensor leaked, weights changed. */
  readonly trainingStep?: {
    /** Default: "trains without leaking tensors, and changes the weights". */
    readonly title?: string;
    readonly variants: readonly (V | undefined)[];
    readonly inputShape: Shape3;
    readonly steps: number;
    /** A variable besides the first trainable one that must change (a depthwise kernel, …). */
    readonly watch?: (network: LayersNetwork) => tf.Variable;
  };
  /** `toLayersModel()` predicts the network's inference-mode logits; `also` checks more of the exported model. */
  readonly export?: {
    readonly variants: readonly (V | undefined)[];
    readonly inputShape: Shape3;
    readonly batch: number;
    readonly also?: (model: ReturnType<LayersNetwork['toLayersModel']>, x: tf.Tensor4D, logits: number[]) => Promise<void>;
  };
  /** Built through the plugin's factory: the spec it records and, where known, its parameter count. */
  readonly factory: { readonly variant?: V; readonly inputShape?: Shape3; readonly params?: number };
}

function derivedFeatures(
  batch: number,
  { stem, preacts, extra = {} }: NonNullable<NonNullable<BackboneBuildCase<unknown>['forward']>['derived']>,
  stages: readonly (readonly number[])[],
): Record<string, readonly number[]> {
  const entries: [string, readonly number[]][] = [['stem', stem]];
  stages.forEach((shape, i) => {
    const stage: [string, readonly number[]] = [`stage${i + 1}`, shape];
    const preact: [string, readonly number[]] = [`stage${i + 1}_preact`, shape];
    entries.push(...(preacts === 'none' ? [stage] : preacts === 'before' ? [preact, stage] : [stage, preact]));
  });
  entries.push(...Object.entries(extra));
  return Object.fromEntries(entries.map(([name, shape]) => [name, [batch, ...shape]]));
}

const stateValues = (n: LayersNetwork) => n.stateVariables().map((v) => [v.name, Array.from(v.variable.dataSync())] as const);
const titled = <V>(variants: readonly (V | undefined)[]) => variants.map((v) => [v === undefined ? 'default' : String(v), v] as const);

/**
 * One declarative suite for a backbone package's network, like `describePluginConformance` for its plugin: the
 * reference variants and parameter counts, strict options, stage and feature shapes, deterministic initialisation
 * from the run's RNG, batch-norm modes, a training step without leaked tensors, export and the factory. A spec
 * states its case (every expected value is the spec's); its architecture-specific tests stay beside it.
 */
export function describeBackbone<O, V>(c: BackboneCase<O, V>): void {
  const inputShape = c.inputShape ?? [32, 32, 3];
  const build = (variant: V | undefined, scope: string, seed = 1, shape: Shape3 = inputShape, classes = 10) =>
    c.construct(c.options(variant), backboneContext(scope, seed, shape, classes));

  // At file level, so the spec's own tests beside the suite run on the same backend.
  beforeAll(async () => {
    await import('@tensorflow/tfjs-layers');
    await tf.setBackend('cpu');
  });

  describe(c.title, () => {
    const zoo = c.zoo;
    if (zoo) {
      it('offers exactly the reference variants, with their published parameter counts', () => {
        if (zoo.schemaEnum) expect(zoo.schemaEnum).toEqual(Object.keys(zoo.variants));
        expect(Object.keys(zoo.referenceCounts).sort()).toEqual(Object.keys(zoo.variants).sort());
        for (const [variant, classes, params] of zoo.published ?? []) expect(zoo.referenceCounts[variant]![classes]).toBe(params);
      });

      it.each((zoo.counted ?? (Object.keys(zoo.variants) as V[])).map((v) => [String(v), v] as const))(
        '%s has the PyTorch reference parameter count (10 and 100 classes)',
        (name, variant) => {
          for (const classes of [10, 100] as const) {
            const n = build(variant, `p${classes}`, 1, zoo.countInputShape ?? inputShape, classes);
            expect(n.countParams()).toBe(zoo.referenceCounts[name]![classes]);
            n.dispose();
          }
        },
      );
    }

    const schema = c.schema;
    if (schema)
      it('validates options with strict Ajv: defaults applied, bad values and unknown properties rejected', () => {
        const validate = compilePluginSchema(c.plugin.manifest);
        const o: Record<string, unknown> = { name: c.plugin.manifest.name };
        expect(validate(o)).toBe(true);
        expect(o).toEqual(schema.defaults);
        for (const v of schema.valid ?? []) expect(validate({ ...v }), JSON.stringify(v)).toBe(true);
        for (const v of schema.invalid ?? []) expect(validate({ ...v }), JSON.stringify(v)).toBe(false);
      });

    for (const b of c.builds ?? [])
      it(b.title, () => {
        const shape = b.inputShape ?? inputShape;
        const n = build(b.variant, 'c', 1, shape, b.numClasses ?? 10);
        try {
          if (b.stages) expect(n.stages).toEqual(b.stages.map((outputShape, i) => ({ name: `stage${i + 1}`, outputShape })));
          if (b.params !== undefined) expect(n.countParams()).toBe(b.params);
          if (b.flops !== undefined) expect(n.countFlops()).toBe(b.flops);
          const f = b.forward;
          if (f)
            tf.tidy(() => {
              const x = (
                f.input === 'zeros' ? tf.zeros([f.batch, ...shape]) : tf.randomNormal([f.batch, ...shape], 0, 1, 'float32', f.seed ?? 1)
              ) as tf.Tensor4D;
              const out = n.apply(x, { training: false });
              const features = f.features ?? (f.derived && derivedFeatures(f.batch, f.derived, b.stages ?? []));
              if (features) {
                expect(featureShapes(out.features)).toEqual(features);
                expect(Object.keys(out.features)).toEqual(Object.keys(features));
              }
              if (f.embedding !== undefined) expect(out.embedding.shape).toEqual([f.batch, f.embedding]);
              expect(out.logits.shape).toEqual([f.batch, b.numClasses ?? 10]);
              f.check?.(out);
            });
          b.check?.(n);
        } finally {
          n.dispose();
        }
      });

    const init = c.init;
    if (init)
      it(`initialises from the run RNG: same seed, same weights, whatever the scope; ${init.title}`, () => {
        const [a, b, d] = (
          [
            ['s1', 5],
            ['s2', 5],
            ['s3', 6],
          ] as const
        ).map(([scope, seed]) => build(init.variant, scope, seed, init.inputShape ?? inputShape));
        try {
          expect(stateValues(a!)).toEqual(stateValues(b!));
          expect(stateValues(a!)).not.toEqual(stateValues(d!));
          const byName = new Map(a!.stateVariables().map((v) => [v.name, Array.from(v.variable.dataSync())]));
          expect([...byName.keys()]).toEqual(expect.arrayContaining([...(init.names ?? [])]));
          expect(a!.stateVariables().every((v) => !v.name.startsWith('s1'))).toBe(true);
          for (const name of init.ones ?? [])
            expect(
              byName.get(name)!.every((v) => v === 1),
              name,
            ).toBe(true);
          for (const name of init.zeros ?? [])
            expect(
              byName.get(name)!.every((v) => v === 0),
              name,
            ).toBe(true);
          init.check(byName);
        } finally {
          for (const n of [a, b, d]) n!.dispose();
        }
      });

    const rs = c.runningStats;
    if (rs)
      it('updates batch-norm running statistics in training mode only', () => {
        const n = build(undefined, 'd', 1, rs.inputShape);
        const mean = n.stateVariables().find((v) => v.name === `${rs.bn}/moving_mean`)!.variable;
        const x = tf.randomUniform([rs.batch, ...rs.inputShape], 0, 1, 'float32', 3) as tf.Tensor4D;
        tf.tidy(() => {
          n.apply(x, { training: false });
        });
        expect(Array.from(mean.dataSync()).every((v) => v === 0)).toBe(true);
        tf.tidy(() => {
          n.apply(x, { training: true });
        });
        expect(Array.from(mean.dataSync()).some((v) => v !== 0)).toBe(true);
        x.dispose();
        n.dispose();
      });

    const modes = c.batchNormModes;
    if (modes)
      it.each(titled(modes.variants))(
        '%s uses batch statistics in training mode (updating the running ones, momentum 0.1) and running statistics in inference mode',
        (_, variant) => {
          const n = build(variant, 'd', 1, modes.inputShape);
          const x = tf.randomUniform([2, ...modes.inputShape], 0, 1, 'float32', 3) as tf.Tensor4D;
          expectBatchNormModes(n, x, { bn: modes.bn, bnInput: (input) => modes.bnInput(n, input), deepBn: modes.deepBn(variant) });
          x.dispose();
          n.dispose();
        },
      );

    const step = c.trainingStep;
    if (step)
      it.each(titled(step.variants))(`%s: ${step.title ?? 'trains without leaking tensors, and changes the weights'}`, (_, variant) => {
        const n = build(variant, 't', 1, step.inputShape);
        const x = tf.randomNormal([2, ...step.inputShape], 0, 1, 'float32', 4) as tf.Tensor4D;
        const y = tf.oneHot(tf.tensor1d([1, 7], 'int32'), 10);
        const vars = n.trainableVariables();
        const watched = [vars[0]!, ...(step.watch ? [step.watch(n)] : [])];
        const before = watched.map((v) => Array.from(v.dataSync()));
        const tensors = tf.memory().numTensors;
        for (let s = 0; s < step.steps; s++)
          tf.tidy(() => {
            const { value, grads } = tf.variableGrads(
              () => tf.losses.softmaxCrossEntropy(y, n.apply(x, { training: true }).logits) as tf.Scalar,
              vars,
            );
            expect(Object.keys(grads)).toHaveLength(vars.length);
            expect(Number.isFinite(value.dataSync()[0])).toBe(true);
            for (const v of vars) v.assign(tf.sub(v, tf.mul(grads[v.name]!, 0.1)));
          });
        expect(tf.memory().numTensors).toBe(tensors);
        watched.forEach((v, i) => expect(Array.from(v.dataSync())).not.toEqual(before[i]));
        x.dispose();
        y.dispose();
        n.dispose();
      });

    const exp = c.export;
    if (exp)
      it.each(titled(exp.variants))('%s exports a classifier with the same logits', async (_, variant) => {
        const n = build(variant, 'e', 1, exp.inputShape);
        const x = tf.randomNormal([exp.batch, ...exp.inputShape], 0, 1, 'float32', 4) as tf.Tensor4D;
        const model = n.toLayersModel();
        const exported = tf.tidy(() => Array.from((model.predict(x) as tf.Tensor).dataSync()));
        const logits = tf.tidy(() => Array.from(n.apply(x, { training: false }).logits.dataSync()));
        expect(exported).toHaveLength(exp.batch * 10);
        exported.forEach((v, i) => expect(v).toBeCloseTo(logits[i]!, 5));
        await exp.also?.(model, x, logits);
        x.dispose();
        n.dispose();
      });

    it('is created through the plugin factory', async () => {
      const { variant, params } = c.factory;
      const n = await c.plugin.create(c.options(variant), {
        ...backboneContext('g', 1, c.factory.inputShape ?? inputShape),
        container: createKdContainer(),
        baseDir: '.',
      });
      expect(n.spec).toEqual({ name: c.plugin.manifest.name, options: c.options(variant) });
      if (params !== undefined) expect(n.countParams()).toBe(params);
      n.dispose();
    });
  });
}
