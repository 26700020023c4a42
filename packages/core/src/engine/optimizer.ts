import * as tf from '@tensorflow/tfjs-core';

export interface OptimizerConfig {
  readonly type: 'sgd' | 'adam' | 'adamw';
  readonly lr: number;
  readonly momentum?: number;
  readonly nesterov?: boolean;
  readonly weightDecay?: number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
}

export interface ParamRef {
  /** Stable id (`<module>/<index>`) used to checkpoint slots across processes. */
  readonly id: string;
  readonly variable: tf.Variable;
  /** Weight decay applies to this parameter (false for BN/bias when configured so). */
  readonly decay: boolean;
}

interface Slot { readonly ref: ParamRef; readonly state: tf.Variable[] }

/**
 * Optimisers with PyTorch semantics (SGD: coupled weight decay, `buf = m·buf + g`, Nesterov `g + m·buf`;
 * Adam: L2 added to the gradient; AdamW: decoupled decay), so that recipes from the literature carry over.
 * Own implementation rather than tfjs's: exact semantics, AdamW, and slots checkpointable by stable ids.
 */
export class Optimizer {
  lr: number;
  private readonly slots = new Map<tf.Variable, Slot>();
  private step = 0;

  constructor(readonly config: OptimizerConfig, params: readonly ParamRef[]) {
    this.lr = config.lr;
    const n = config.type === 'sgd' ? ((config.momentum ?? 0) > 0 ? 1 : 0) : 2;
    for (const ref of params) {
      const state = Array.from({ length: n }, () => tf.tidy(() => tf.variable(tf.zerosLike(ref.variable), false)));
      this.slots.set(ref.variable, { ref, state });
    }
  }

  get params(): readonly ParamRef[] {
    return [...this.slots.values()].map((s) => s.ref);
  }

  get iterations(): number {
    return this.step;
  }

  /** Applies one update. Gradients of variables this optimiser does not own are ignored. */
  applyGradients(grads: Readonly<Record<string, tf.Tensor>> | ReadonlyMap<tf.Variable, tf.Tensor>): void {
    const entries: [tf.Variable, tf.Tensor][] = [];
    if (grads instanceof Map) {
      for (const [v, g] of grads) entries.push([v, g]);
    } else {
      const byName = new Map<string, tf.Variable>();
      for (const v of this.slots.keys()) byName.set(v.name, v);
      for (const [name, g] of Object.entries(grads as Record<string, tf.Tensor>)) {
        const v = byName.get(name);
        if (v) entries.push([v, g]);
      }
    }
    this.step += 1;
    const c = this.config;
    tf.tidy(() => {
      for (const [v, grad] of entries) {
        const slot = this.slots.get(v);
        if (!slot) continue;
        const wd = slot.ref.decay ? (c.weightDecay ?? 0) : 0;
        if (c.type === 'sgd') {
          let g = wd > 0 ? tf.add(grad, tf.mul(v, wd)) : grad;
          const m = c.momentum ?? 0;
          if (m > 0) {
            const buf = slot.state[0]!;
            // PyTorch initialises the buffer with the first gradient (no dampening).
            const next = this.step === 1 ? g : tf.add(tf.mul(buf, m), g);
            buf.assign(next);
            g = c.nesterov ? tf.add(g, tf.mul(next, m)) : next;
          }
          v.assign(tf.sub(v, tf.mul(g, this.lr)));
        } else {
          const b1 = c.beta1 ?? 0.9;
          const b2 = c.beta2 ?? 0.999;
          const eps = c.epsilon ?? 1e-8;
          let g = grad;
          if (c.type === 'adam' && wd > 0) g = tf.add(g, tf.mul(v, wd));
          const [mS, vS] = slot.state as [tf.Variable, tf.Variable];
          const m = tf.add(tf.mul(mS, b1), tf.mul(g, 1 - b1));
          const s = tf.add(tf.mul(vS, b2), tf.mul(tf.square(g), 1 - b2));
          mS.assign(m);
          vS.assign(s);
          const bc1 = 1 - b1 ** this.step;
          const bc2 = 1 - b2 ** this.step;
          const update = tf.div(tf.div(m, bc1), tf.add(tf.sqrt(tf.div(s, bc2)), eps));
          let nv = tf.sub(v, tf.mul(update, this.lr));
          if (c.type === 'adamw' && wd > 0) nv = tf.sub(nv, tf.mul(v, this.lr * wd));
          v.assign(nv);
        }
      }
    });
  }

  /** Slot tensors keyed by stable param id, plus the step count. */
  getState(): { step: number; slots: { id: string; values: tf.Tensor[] }[] } {
    return { step: this.step, slots: [...this.slots.values()].map((s) => ({ id: s.ref.id, values: s.state })) };
  }

  setState(step: number, slots: ReadonlyMap<string, readonly tf.Tensor[]>): void {
    this.step = step;
    for (const s of this.slots.values()) {
      const values = slots.get(s.ref.id);
      if (!values) throw new Error(`checkpoint has no optimiser state for parameter ${s.ref.id}`);
      s.state.forEach((v, i) => v.assign(values[i]!));
    }
  }

  dispose(): void {
    for (const s of this.slots.values()) s.state.forEach((v) => v.dispose());
    this.slots.clear();
  }
}
