import * as tf from '@tensorflow/tfjs-core';
import { KdInputError, Rng, type Network } from '@kd/core';
import type { KdRuntime } from '@kd/core/host';
import type { CliIo } from '../io.js';
import { loadBackbonePlugin } from './backbone.js';
import { parityLine, randomImages } from './import-files.js';
import { compareLogits, type Parity, type Reference } from './parity-reference.js';

// What the imports of frozen teachers (`kd import onnx`, `kd import tfjs` for a graph model) share: they copy a model
// a run reads through a teacher-only backbone, after checking it the way that backbone will.

/** `--stages '{"stage1": "<output>", …}'`: kd stage name → the model's tensor to tap (`what` names that tensor). */
export function parseStagesFlag(v: string | undefined, what: string): Record<string, unknown> | undefined {
  if (v === undefined) return undefined;
  let o: unknown;
  try {
    o = JSON.parse(v);
  } catch (e) {
    throw new KdInputError(`--stages: not valid JSON (${(e as Error).message}); expected {"stage1": "<${what}>", …}`);
  }
  if (!o || typeof o !== 'object' || Array.isArray(o))
    throw new KdInputError(`--stages: expected a JSON object {"stage1": "<${what}>", …}`);
  return o as Record<string, unknown>;
}

/**
 * The backbone options given on the command line, in flag order: flags left out are left out (the schema's defaults
 * apply when the run reads them), so the printed `teacher` config holds only what the user chose.
 */
export function givenOptions(flags: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
}

/** The teacher-only backbone `name` as a run creates it (scope "teacher"); its weights are not read yet. */
export async function createTeacher(
  runtime: KdRuntime,
  name: string,
  options: Record<string, unknown>,
  numClasses: number,
  inputShape: readonly [number, number, number],
  command: string,
): Promise<Network> {
  const plugin = await loadBackbonePlugin(runtime, name, command);
  return (await plugin.create(options, {
    container: runtime.container.createChildContainer(),
    baseDir: runtime.root,
    numClasses,
    inputShape,
    rng: Rng.derive(0, 'init', 'teacher'),
    scope: 'teacher',
  })) as Network;
}

export type TeacherParity = Parity & { readonly kind: 'reference' | 'batch-consistency' };

/**
 * The teacher's logits against a reference the user computed in the source framework or, without one, a batch of
 * random images against the same images one at a time (a model whose batch dimension is not truly dynamic mixes
 * images).
 */
export function teacherParity(
  network: Network,
  reference: Reference | undefined,
  inputShape: readonly [number, number, number],
): TeacherParity {
  if (reference) {
    const logits = tf.tidy(() => network.apply(reference.input, { training: false }).logits);
    try {
      return { kind: 'reference', ...compareLogits(logits, reference.logits) };
    } finally {
      logits.dispose();
    }
  }
  const [batched, single] = tf.tidy(() => {
    const x = randomImages(inputShape);
    const one = tf.split(x, x.shape[0]).map((image) => network.apply(image as tf.Tensor4D, { training: false }).logits);
    return [network.apply(x, { training: false }).logits, tf.concat(one, 0)];
  });
  try {
    return { kind: 'batch-consistency', ...compareLogits(batched!, single!.dataSync() as Float32Array) };
  } finally {
    tf.dispose([batched!, single!]);
  }
}

/** How an import's parity is described in its text report. */
export interface ParityLabels {
  readonly reference: string;
  readonly batch: string;
  /** How to make a reference, said when none was given. */
  readonly noReference: string;
}

/**
 * The report of a teacher import: with `--json` the summary as one JSON document, else `headline`, the teacher
 * directory and the config entry that uses it, then the parity found.
 */
export function reportTeacher<S extends { readonly teacherDir: string; readonly teacher: unknown; readonly parity: TeacherParity }>(
  io: CliIo,
  json: boolean,
  headline: string,
  summary: S,
  labels: ParityLabels,
): void {
  if (json) {
    io.out(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  const { teacherDir, teacher, parity } = summary;
  io.out(`${headline}\n`);
  io.out(`teacher directory: ${teacherDir} (use it as "teacher": ${JSON.stringify(teacher)})\n`);
  io.out(parityLine(parity.kind === 'reference' ? labels.reference : labels.batch, parity));
  if (parity.kind !== 'reference')
    io.out(`no --reference given: parity with the source framework was not checked (${labels.noReference})\n`);
}
