import * as tf from '@tensorflow/tfjs-core';
import type { Network, NetworkOutput } from '@kd/core';

/** Where a module's objective reads the frozen teacher from. Tensors belong to the source, not to the caller. */
export interface TeacherSource {
  /** The teacher feature `name`, computed on demand (outside any gradient tape); undefined if the teacher has none. */
  feature(name: string): tf.Tensor | undefined;
  /** The teacher's logits (only the "ce+kd" hard loss asks). */
  logits(): tf.Tensor2D;
  /** Every feature name the teacher can give, for error messages. */
  featureNames(): readonly string[];
  /** Says that no later module reads `name`; the source may free it. */
  release(name: string): void;
  dispose(): void;
}

/** A teacher output computed in one pass (the tests' form, and the fallback for a network without applyStage). */
export function outputSource(out: NetworkOutput): TeacherSource {
  return {
    feature: (name) => out.features[name],
    logits: () => out.logits,
    featureNames: () => Object.keys(out.features),
    release: () => undefined,
    dispose: () => undefined,
  };
}

/**
 * The frozen teacher run stage by stage in inference mode, as far as the features asked so far need. Each stage runs in
 * its own tidy scope, so its inner activations are freed at once; the source holds only the current stage output (the
 * next stage's input) and the features still wanted, `wanted` counting how many modules will ask for each. With the
 * student's truncated modules this keeps one teacher stage alive next to one student module, instead of the whole
 * teacher forward pass for the whole step.
 */
export class StagedTeacher implements TeacherSource {
  private readonly held = new Map<string, tf.Tensor>();
  private readonly wanted: Map<string, number>;
  private current: tf.Tensor | undefined;
  private next = 0;
  private headOut: { logits: tf.Tensor2D; names: string[] } | undefined;
  private names: string[] = [];

  constructor(
    private readonly teacher: Network & Required<Pick<Network, 'applyStage' | 'applyHead'>>,
    x: tf.Tensor4D,
    wanted: readonly string[],
  ) {
    this.current = x;
    this.wanted = new Map();
    for (const n of wanted) this.wanted.set(n, (this.wanted.get(n) ?? 0) + 1);
  }

  feature(name: string): tf.Tensor | undefined {
    while (!this.held.has(name) && this.advance());
    return this.held.get(name);
  }

  logits(): tf.Tensor2D {
    while (this.advance());
    return this.headOut!.logits;
  }

  featureNames(): readonly string[] {
    while (this.advance());
    return this.names;
  }

  release(name: string): void {
    const left = (this.wanted.get(name) ?? 0) - 1;
    this.wanted.set(name, left);
    if (left > 0) return;
    this.held.get(name)?.dispose();
    this.held.delete(name);
  }

  dispose(): void {
    for (const t of this.held.values()) t.dispose();
    this.held.clear();
    if (this.next > 0) this.current?.dispose();
    this.current = undefined;
    this.headOut?.logits.dispose();
    this.headOut = undefined;
  }

  /** Runs the next stage (or the head); false when everything has run. */
  private advance(): boolean {
    const stages = this.teacher.stages.length;
    if (this.next > stages) return false;
    const input = this.current!;
    const training = { training: false };
    if (this.next < stages) {
      const i = this.next;
      const outs = tf.tidy(() => this.teacher.applyStage(i, input, training));
      const output = outs[this.teacher.stages[i]!.name]!;
      this.take(outs, output);
      // the image is the caller's; every later input is this source's own
      if (i > 0) input.dispose();
      this.current = output;
    } else {
      const head = tf.tidy(() => {
        const h = this.teacher.applyHead(input, training);
        return { logits: h.logits, embedding: h.embedding, ...h.features };
      });
      const { logits, embedding, ...features } = head;
      embedding.dispose();
      this.take(features, undefined);
      this.headOut = { logits, names: Object.keys(features) };
      if (stages > 0) input.dispose();
      this.current = undefined;
    }
    this.next++;
    return true;
  }

  /** Keeps the wanted features of one segment and frees the rest (except the stage output, the next input). */
  private take(outs: Readonly<Record<string, tf.Tensor>>, output: tf.Tensor | undefined): void {
    for (const [name, t] of Object.entries(outs)) {
      this.names.push(name);
      const want = (this.wanted.get(name) ?? 0) > 0;
      if (want) this.held.set(name, t === output ? t.clone() : t);
      else if (t !== output) t.dispose();
    }
  }
}

/** The staged source where the teacher can run stage by stage, else one full inference pass. */
export function teacherSource(teacher: Network, x: tf.Tensor4D, wanted: readonly string[]): TeacherSource {
  if (teacher.applyStage && teacher.applyHead) {
    return new StagedTeacher(teacher as Network & Required<Pick<Network, 'applyStage' | 'applyHead'>>, x, wanted);
  }
  const out = tf.tidy(() => {
    const o = teacher.apply(x, { training: false });
    return { logits: o.logits, embedding: o.embedding, features: o.features as Record<string, tf.Tensor> };
  });
  const all = [out.logits, out.embedding, ...Object.values(out.features)];
  const source = outputSource(out);
  return { ...source, dispose: () => all.forEach((t) => t.dispose()) };
}
