import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core alone registers no gradients; the runtime (like @tensorflow/tfjs) imports them once.
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { container } from 'tsyringe';
import { API_VERSION, type FactoryContext, type LossInputs, type NetworkOutput } from '@kd/core';
import * as pkg from './index.js';
import { KD_LOSS_DEFAULTS, kdLossTerms, kdOptionsSchema, kdPlugin, type KdOptions } from './index.js';

const packageJson = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as {
  version: string;
  kd: { kind: string; name: string; apiVersion: number };
};

const context: FactoryContext = { container: container.createChildContainer(), baseDir: '.' };

function strictAjv(): Ajv2020 {
  return new Ajv2020({ strict: true, useDefaults: true });
}

function output(logits: tf.Tensor2D): NetworkOutput {
  return { logits, features: {}, embedding: logits };
}

function lossInputs(student: tf.Tensor2D, teacher: tf.Tensor2D | undefined, labels: tf.Tensor1D): LossInputs {
  return {
    student: output(student),
    ...(teacher ? { teacher: output(teacher) } : {}),
    labels,
    numClasses: student.shape[1],
    epoch: 0,
    epochs: 1,
    step: 0,
    globalStep: 0,
    stage: 'main',
  };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('package exports', () => {
  it('has named exports only', () => {
    expect(pkg).not.toHaveProperty('default');
    for (const name of ['kdPlugin', 'kdOptionsSchema', 'kdLoss', 'kdLossTerms', 'createKdDistiller', 'standardizeLogits']) {
      expect(pkg).toHaveProperty(name);
    }
  });
});

describe('kdPlugin manifest', () => {
  it('describes the distiller', () => {
    const m = kdPlugin.manifest;
    expect(m.kind).toBe('distiller');
    expect(m.name).toBe('kd');
    expect(m.version).toBe('0.1.0');
    expect(m.apiVersion).toBe(API_VERSION);
    expect(m.title).toBe('Knowledge distillation (Hinton et al.)');
    expect(m.paper).toEqual({
      title: 'Distilling the Knowledge in a Neural Network',
      authors: 'Hinton, Vinyals, Dean',
      year: 2015,
      url: 'https://arxiv.org/abs/1503.02531',
    });
    expect(m.optionsSchema).toBe(kdOptionsSchema);
  });

  it('agrees with the package.json `kd` stub and version', () => {
    expect(packageJson.kd).toEqual({
      kind: kdPlugin.manifest.kind,
      name: kdPlugin.manifest.name,
      apiVersion: kdPlugin.manifest.apiVersion,
    });
    expect(packageJson.version).toBe(kdPlugin.manifest.version);
  });
});

describe('kdOptionsSchema', () => {
  it('compiles under ajv 2020 strict mode', () => {
    expect(() => strictAjv().compile(kdOptionsSchema)).not.toThrow();
  });

  it('gives every property a description and every optional one a default', () => {
    for (const [key, prop] of Object.entries(kdOptionsSchema.properties)) {
      const p = prop as Record<string, unknown>;
      expect(typeof p['description'], key).toBe('string');
      expect((p['description'] as string).length, key).toBeGreaterThan(10);
      if (key !== 'name') expect(p, key).toHaveProperty('default');
    }
  });

  it('applies the defaults (CIFAR-100: 0.1 / 0.9 / τ = 4, τ² on, no standardisation)', () => {
    const validate = strictAjv().compile(kdOptionsSchema);
    const config: Record<string, unknown> = { name: 'kd' };
    expect(validate(config)).toBe(true);
    expect(config).toEqual({ name: 'kd', ...KD_LOSS_DEFAULTS });
    const partial: Record<string, unknown> = { name: 'kd', temperature: 2, standardizeLogits: true };
    expect(validate(partial)).toBe(true);
    expect(partial).toEqual({ ...KD_LOSS_DEFAULTS, name: 'kd', temperature: 2, standardizeLogits: true });
  });

  it.each([
    [{}],
    [{ name: 'dkd' }],
    [{ name: 'kd', temperature: 0 }],
    [{ name: 'kd', temperature: -1 }],
    [{ name: 'kd', ceWeight: -0.1 }],
    [{ name: 'kd', kdWeight: '0.9' }],
    [{ name: 'kd', scaleByTemperatureSquared: 'yes' }],
    [{ name: 'kd', standardizeLogits: 1 }],
    [{ name: 'kd', temprature: 4 }],
  ])('rejects %j', (config) => {
    expect(strictAjv().compile(kdOptionsSchema)(config)).toBe(false);
  });

  it('works as a branch of a discriminated union (as core composes the pipeline schema)', () => {
    const ajv = new Ajv2020({ strict: true, useDefaults: true, discriminator: true, allErrors: true });
    ajv.addSchema({ ...kdOptionsSchema, $id: 'kd:distiller/kd' });
    const validate = ajv.compile({
      type: 'object',
      required: ['name'],
      properties: { name: { enum: ['kd'] } },
      discriminator: { propertyName: 'name' },
      oneOf: [{ $ref: 'kd:distiller/kd' }],
    });
    const config: Record<string, unknown> = { name: 'kd', kdWeight: 0.5 };
    expect(validate(config)).toBe(true);
    expect(config['temperature']).toBe(4);
    expect(config['kdWeight']).toBe(0.5);
  });
});

describe('kdPlugin.create', () => {
  function validated(options: Record<string, unknown>): KdOptions {
    const config = { name: 'kd', ...options };
    expect(strictAjv().compile(kdOptionsSchema)(config)).toBe(true);
    return config as unknown as KdOptions;
  }

  it('returns a teacher-using distiller whose computeLoss returns total and the ce and kd terms', async () => {
    const distiller = await kdPlugin.create(validated({ temperature: 3, standardizeLogits: true }), context);
    expect(distiller.usesTeacher).toBe(true);
    expect(distiller.trainStep).toBeUndefined();
    tf.tidy(() => {
      const s = tf.randomNormal([4, 10], 0, 2, 'float32', 1) as tf.Tensor2D;
      const t = tf.randomNormal([4, 10], 0, 2, 'float32', 2) as tf.Tensor2D;
      const y = tf.tensor1d([0, 3, 6, 9], 'int32');
      const out = distiller.computeLoss!(lossInputs(s, t, y));
      expect(Object.keys(out.terms).sort()).toEqual(['ce', 'kd']);
      const ref = kdLossTerms(s, t, y, { temperature: 3, standardizeLogits: true });
      expect(out.total.dataSync()[0]).toBe(ref.total.dataSync()[0]);
      expect(out.terms['ce']!.dataSync()[0]).toBe(ref.ce.dataSync()[0]);
      expect(out.terms['kd']!.dataSync()[0]).toBe(ref.kd.dataSync()[0]);
    });
  });

  it('is differentiable with respect to the student through computeLoss', async () => {
    const distiller = await kdPlugin.create(validated({}), context);
    tf.tidy(() => {
      const s = tf.randomNormal([2, 5], 0, 2, 'float32', 3) as tf.Tensor2D;
      const t = tf.randomNormal([2, 5], 0, 2, 'float32', 4) as tf.Tensor2D;
      const y = tf.tensor1d([1, 2], 'int32');
      const g = tf.grad((x: tf.Tensor) => distiller.computeLoss!(lossInputs(x as tf.Tensor2D, t, y)).total)(s);
      expect(g.shape).toEqual([2, 5]);
      expect(tf.max(tf.abs(g)).dataSync()[0]).toBeGreaterThan(0);
    });
  });

  it('throws a clear error without the teacher output', async () => {
    const distiller = await kdPlugin.create(validated({}), context);
    tf.tidy(() => {
      const s = tf.zeros([1, 3]) as tf.Tensor2D;
      expect(() => distiller.computeLoss!(lossInputs(s, undefined, tf.tensor1d([0], 'int32')))).toThrow(/teacher/);
    });
  });

  it('leaks no tensors', async () => {
    const distiller = await kdPlugin.create(validated({}), context);
    const s = tf.randomNormal([3, 4], 0, 1, 'float32', 5) as tf.Tensor2D;
    const t = tf.randomNormal([3, 4], 0, 1, 'float32', 6) as tf.Tensor2D;
    const y = tf.tensor1d([0, 1, 2], 'int32');
    const before = tf.memory().numTensors;
    const out = distiller.computeLoss!(lossInputs(s, t, y));
    expect(tf.memory().numTensors).toBe(before + 3);
    tf.dispose([out.total, ...Object.values(out.terms)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([s, t, y]);
  });
});
