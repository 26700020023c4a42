import * as tf from '@tensorflow/tfjs-core';
import type { ParamRef, StepOptimizer } from '../contracts/distiller.js';
import { hasSgdUpdate, sgdUpdate } from '@kd/tfjs-kernels';

/** Which parameters a run decays (`training.optimizer.weightDecayOn`): see {@link paramRefs} in stage-modules.ts. */
export type WeightDecayOn = 'all' | 'kernels';

export interface OptimizerConfig {
  readonly type: 'sgd' | 'adam' | 'adamw';
  readonly lr: number;
  readonly momentum?: number;
  readonly nesterov?: boolean;
  readonly weightDecay?: number;
  /**
   * Read where a run lists its parameters, which marks each `ParamRef.decay`; the optimiser then decays exactly
   * the parameters so marked. A validated config always has it (schema default `all`).
   */
  readonly weightDecayOn?: WeightDecayOn;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
}

export type { ParamRef } from '../contracts/distiller.js';

interface Slot {
  readonly ref: ParamRef;
  /** Moment buffers: SGD's momentum, Adam's first and second moments. */
  readonly state: tf.Variable[];
  /** Updates this parameter has received (PyTorch's per-parameter `state['step']`). */
  count: number;
  /** Adam only: `count` as a tensor, written when the state is read, so a checkpoint keeps it. */
  readonly countVar?: tf.Variable;
}

/**
 * Optimisers with PyTorch semantics (SGD: coupled weight decay, `buf = m·buf + g`, Nesterov `g + m·buf`;
 * Adam: L2 added to the gradient; AdamW: decoupled decay), so that recipes from the literature carry over.
 * Own implementation rather than tfjs's: exact semantics, AdamW, and slots checkpointable by stable ids.
 *
 * Step counts are per parameter, as PyTorch's `state['step']`: a parameter advances only in the updates that carry
 * its gradient. So a distiller that updates two networks with two calls per batch (DML's alternating updates) gives
 * each network's Adam bias correction the batch count, not twice it; and a module without a gradient this step (a
 * LAKD module before its start epoch) keeps its count.
 */
export class Optimizer implements StepOptimizer {
  lr: number;
  private readonly slots = new Map<tf.Variable, Slot>();
  private step = 0;

  constructor(
    readonly config: OptimizerConfig,
    params: readonly ParamRef[],
  ) {
    this.lr = config.lr;
    const n = config.type === 'sgd' ? ((config.momentum ?? 0) > 0 ? 1 : 0) : 2;
    for (const ref of params) {
      const state = Array.from({ length: n }, () => tf.tidy(() => tf.variable(tf.zerosLike(ref.variable), false)));
      const countVar = config.type === 'sgd' ? undefined : tf.tidy(() => tf.variable(tf.scalar(0), false));
      this.slots.set(ref.variable, { ref, state, count: 0, ...(countVar ? { countVar } : {}) });
    }
  }

  get params(): readonly ParamRef[] {
    return [...this.slots.values()].map((s) => s.ref);
  }

  /** Calls of {@link applyGradients} (each call counts once, whichever parameters it updates). */
  get iterations(): number {
    return this.step;
  }

  /** Updates `variable` has received: the step count of its Adam bias correction. */
  stepCount(variable: tf.Variable): number {
    const slot = this.slots.get(variable);
    if (!slot) throw new Error(`the optimiser does not own ${variable.name}`);
    return slot.count;
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
    // One kernel per parameter where the backend has it (the same bits as the op chain below, which stays the path
    // elsewhere): the chain is five kernels and three scalar uploads per parameter — a fifth of a resnet20 step's CPU
    // on wasm once batch norm was fused (docs/performance.md, step 10).
    const fused = c.type === 'sgd' && hasSgdUpdate();
    tf.tidy(() => {
      for (const [v, grad] of entries) {
        const slot = this.slots.get(v);
        if (!slot) continue;
        slot.count += 1;
        const wd = slot.ref.decay ? (c.weightDecay ?? 0) : 0;
        if (fused) {
          const buf = (c.momentum ?? 0) > 0 ? slot.state[0]! : undefined;
          const out = sgdUpdate(v, grad, buf, {
            lr: this.lr,
            momentum: c.momentum ?? 0,
            weightDecay: wd,
            nesterov: c.nesterov ?? false,
            first: slot.count === 1,
          });
          v.assign(out.variable);
          if (buf) buf.assign(out.buffer!);
        } else if (c.type === 'sgd') {
          let g = wd > 0 ? tf.add(grad, tf.mul(v, wd)) : grad;
          const m = c.momentum ?? 0;
          if (m > 0) {
            const buf = slot.state[0]!;
            // PyTorch initialises the buffer with the first gradient (no dampening).
            const next = slot.count === 1 ? g : tf.add(tf.mul(buf, m), g);
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
          const bc1 = 1 - b1 ** slot.count;
          const bc2 = 1 - b2 ** slot.count;
          const update = tf.div(tf.div(m, bc1), tf.add(tf.sqrt(tf.div(s, bc2)), eps));
          let nv = tf.sub(v, tf.mul(update, this.lr));
          if (c.type === 'adamw' && wd > 0) nv = tf.sub(nv, tf.mul(v, this.lr * wd));
          v.assign(nv);
        }
      }
    });
  }

  /**
   * Slot tensors keyed by stable param id, plus the call count. Adam's slots end with the parameter's step count (a
   * scalar); SGD needs none (its buffer starting at zero equals PyTorch's first-step copy of the gradient).
   */
  getState(): { step: number; slots: { id: string; values: tf.Tensor[] }[] } {
    return {
      step: this.step,
      slots: [...this.slots.values()].map((s) => {
        if (!s.countVar) return { id: s.ref.id, values: s.state };
        tf.tidy(() => s.countVar!.assign(tf.scalar(s.count)));
        return { id: s.ref.id, values: [...s.state, s.countVar] };
      }),
    };
  }

  /**
   * Restores {@link getState}'s output. Slots without a step count (SGD, or checkpoints written before counts were
   * per parameter) take the call count `step`, which is what every parameter's count was then.
   */
  setState(step: number, slots: ReadonlyMap<string, readonly tf.Tensor[]>): void {
    this.step = step;
    for (const s of this.slots.values()) {
      const values = slots.get(s.ref.id);
      if (!values) throw new Error(`checkpoint has no optimiser state for parameter ${s.ref.id}`);
      const withCount = s.countVar !== undefined && values.length === s.state.length + 1;
      if (values.length !== s.state.length && !withCount) {
        throw new Error(
          `checkpoint has ${values.length} optimiser slots for parameter ${s.ref.id}; expected ${s.state.length}${s.countVar ? ` or ${s.state.length + 1}` : ''}`,
        );
      }
      s.state.forEach((v, i) => v.assign(values[i]!));
      s.count = withCount ? Math.round(values[s.state.length]!.dataSync()[0]!) : step;
    }
  }

  dispose(): void {
    for (const s of this.slots.values()) {
      s.state.forEach((v) => v.dispose());
      s.countVar?.dispose();
    }
    this.slots.clear();
  }
}
