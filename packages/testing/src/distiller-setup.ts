import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { RunEvents, Rng, type Distiller, type DistillerSetup, type Network } from '@kd/core';
import { strictAjv } from './plugin-conformance.js';

/** A DistillerSetup outside a run: real networks, 10 classes, a fixed Rng; building other networks is refused. */
export function distillerSetupFor(student: Network, teacher: Network, extra: Partial<DistillerSetup> = {}): DistillerSetup {
  return {
    student,
    teacher,
    numClasses: 10,
    rng: new Rng(1),
    createNetwork: () => Promise.reject(new Error('unused')),
    events: new RunEvents(),
    runDir: '.',
    ...extra,
  };
}

/** `{ name, ...options }` validated by `schema` with its defaults applied, as the plugin factory receives it. */
export function validatedOptions<T>(schema: object, name: string, options: Record<string, unknown> = {}): T {
  const config = { name, ...options };
  const validate = strictAjv().compile(schema);
  expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
  return config as T;
}

/**
 * Two training steps of a set-up distiller on real networks: the logged terms are `terms`, the total is positive,
 * a student convolution gets a gradient, no teacher variable does, and no tensor outlives a step.
 */
export function expectStudentOnlyGradients(d: Distiller, student: Network, teacher: Network, terms: readonly string[], batch = 4): void {
  const x = tf.randomUniform([batch, ...student.inputShape], 0, 1, 'float32', 1) as tf.Tensor4D;
  const y = tf.tensor1d(
    Array.from({ length: batch }, (_, i) => i % 10),
    'int32',
  );
  const info = { epoch: 0, epochs: 1, step: 0, globalStep: 0, stage: 'train', numClasses: 10, labels: y };
  const before = tf.memory().numTensors;
  for (let i = 0; i < 2; i++) {
    tf.tidy(() => {
      const vars = [...student.trainableVariables(), ...teacher.trainableVariables()];
      const { value, grads } = tf.variableGrads(() => {
        const t = teacher.apply(x, { training: false });
        const s = student.apply(x, { training: true });
        const r = d.computeLoss!({ ...info, student: s, teacher: t });
        expect(Object.keys(r.terms).sort()).toEqual([...terms].sort());
        return r.total;
      }, vars);
      expect(value.dataSync()[0]).toBeGreaterThan(0);
      const studentConv = student.trainableVariables().find((v) => grads[v.name] && v.rank === 4)!;
      expect(tf.max(tf.abs(grads[studentConv.name]!)).dataSync()[0]).toBeGreaterThan(0);
      for (const v of teacher.trainableVariables()) {
        const g = grads[v.name];
        if (g) expect(tf.max(tf.abs(g)).dataSync()[0], v.name).toBe(0);
      }
    });
    expect(tf.memory().numTensors).toBe(before);
  }
  tf.dispose([x, y]);
}
