import * as tf from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterKernel } from './kernels/conv2d-backprop-filter.js';
import { conv2dBackpropInputKernel } from './kernels/conv2d-backprop-input.js';
import { depthwiseConv2dBackpropFilterKernel } from './kernels/depthwise-conv2d-backprop-filter.js';
import { depthwiseConv2dBackpropInputKernel } from './kernels/depthwise-conv2d-backprop-input.js';
import { meanKernel, sumKernel } from './kernels/leading-axes-reduction.js';
import { identityKernel } from './kernels/identity.js';
import { castKernel } from './kernels/cast.js';
import { sliceKernel } from './kernels/slice.js';
import { log1pKernel } from './kernels/log1p.js';
import {
  BATCH_NORM_TRAINING,
  BATCH_NORM_TRAINING_GRAD,
  batchNormTrainingGradKernel,
  batchNormTrainingKernel,
} from './kernels/batch-norm-training.js';
import { conv2dGradConfig } from './gradients/conv2d-grad.js';
import { depthwiseConv2dGradConfig } from './gradients/depthwise-conv2d-grad.js';
import { fusedBatchNormGradConfig } from './gradients/fused-batch-norm-grad.js';
import { meanGradConfig } from './gradients/mean-grad.js';
import { SGD_UPDATE, sgdUpdateKernel } from './kernels/sgd-update.js';
import { RELU_GRAD, reluGradKernel } from './kernels/relu-grad.js';
import { reluGradConfig } from './gradients/relu-grad.js';
import { batchNormTrainingGradConfig } from './gradients/batch-norm-training-grad.js';
import { KernelSwap } from './kernel-swap.js';

/** The backends that get training kernels. Any other name is a no-op. */
export const TRAINING_KERNEL_BACKENDS = ['wasm', 'cpu'] as const;
export type TrainingKernelBackend = (typeof TRAINING_KERNEL_BACKENDS)[number];

export interface TrainingKernelsResult {
  /**
   * What is in effect for the backend after the call: `kernel:<KernelName>` for each backend kernel and
   * `gradient:<KernelName>` for each gradient override. The same list on every call (empty for
   * unsupported backends), whether or not this call had anything left to register.
   */
  readonly registered: string[];
}

interface KernelEntry {
  readonly kernelName: string;
  readonly backends: readonly TrainingKernelBackend[];
  /** `previous`: the kernel this one replaces, for those that handle only some cases and delegate the rest. */
  readonly create: (backendName: string, previous: tf.KernelConfig | undefined) => tf.KernelConfig;
}

/**
 * Backend kernels, all composed from the backend's own fast forward kernels (Conv2D /
 * DepthwiseConv2dNative on XNNPACK for wasm, the cpu backend's forward loops for cpu).
 *
 * These, not the gradient overrides, carry the speed: `tf.fused.conv2d` and `tf.fused.depthwiseConv2d`
 * (what a tfjs-layers `conv2d` layer with a bias runs when it is not followed by a fused activation)
 * compute their gradient in a `customGrad` that calls the backprop kernels directly, bypassing the gradient
 * registry. Kernels are registered per backend, so they only ever affect the backend named.
 */
const KERNELS: readonly KernelEntry[] = [
  // wasm: missing. cpu: the stock kernel runs at ~0.01 GFLOP/s (15 s of a 16 s training step).
  { kernelName: 'Conv2DBackpropFilter', backends: ['wasm', 'cpu'], create: conv2dBackpropFilterKernel },
  // wasm: the stock kernel is a scalar loop, 2.5–10× slower than XNNPACK. cpu: the stock one is fine.
  { kernelName: 'Conv2DBackpropInput', backends: ['wasm'], create: conv2dBackpropInputKernel },
  // wasm: missing. cpu: the stock loop is 5–7× slower.
  {
    kernelName: 'DepthwiseConv2dNativeBackpropFilter',
    backends: ['wasm', 'cpu'],
    create: depthwiseConv2dBackpropFilterKernel,
  },
  // wasm: missing. cpu: the stock kernel is as fast as the composite.
  { kernelName: 'DepthwiseConv2dNativeBackpropInput', backends: ['wasm'], create: depthwiseConv2dBackpropInputKernel },
  // wasm: reducing leading axes (batch-norm statistics and gradients) transposes the whole tensor first; a GEMM
  // with a row of ones is 7–20× faster. Other reductions go to the stock kernel.
  { kernelName: 'Sum', backends: ['wasm'], create: sumKernel },
  { kernelName: 'Mean', backends: ['wasm'], create: meanKernel },
  // wasm: copies the whole tensor, for every tensor tfjs-core saves for the backward pass. cpu already shares.
  { kernelName: 'Identity', backends: ['wasm'], create: identityKernel },
  { kernelName: 'Cast', backends: ['wasm'], create: castKernel },
  // wasm: an element-by-element index walk for any slice that is not one contiguous run (padding gradients).
  { kernelName: 'Slice', backends: ['wasm'], create: sliceKernel },
  // kd's own: a whole training-mode batch norm and its gradient (tfjs-layers runs ~20 kernels for one), used by
  // @kd/core's BatchNormalization layer when registered. Plain loops here; @kd/tfjs-onednn runs them natively.
  { kernelName: BATCH_NORM_TRAINING, backends: ['wasm', 'cpu'], create: batchNormTrainingKernel },
  { kernelName: BATCH_NORM_TRAINING_GRAD, backends: ['wasm', 'cpu'], create: batchNormTrainingGradKernel },
  // kd's own: a parameter's whole SGD update (five element-wise kernels and three scalar uploads in the op chain),
  // used by @kd/core's Optimizer when registered.
  { kernelName: SGD_UPDATE, backends: ['wasm', 'cpu'], create: sgdUpdateKernel },
  // ReLU's gradient in one pass (the gradient override below runs it).
  { kernelName: RELU_GRAD, backends: ['wasm', 'cpu'], create: reluGradKernel },
  // wasm: log(1 + x) in float32, off by up to ~1,700 ulp for small x (KL divergence of nearly equal distributions).
  // cpu: Math.log1p already.
  { kernelName: 'Log1p', backends: ['wasm'], create: log1pKernel },
];

/**
 * Gradient overrides: tfjs-core's math through the kernels above, plus dilation > 1 (rejected by stock); and
 * `FusedBatchNorm`'s, without the full-size `Tile` tfjs-core's builds (a third of a resnet20 step on wasm); and
 * `Mean`'s, dividing the small `dy` rather than its full-size broadcast (same bits, one pass fewer per batch norm);
 * `Relu`'s as one kernel (same bits); and the gradient of kd's own whole batch norm.
 *
 * `tf.registerGradient` is global, not per backend. It is gated instead: each override checks the active
 * backend when the gradient runs and, unless `registerTrainingKernels` was called for it, delegates to the
 * gradient it replaced (tfjs-core's, when tfjs-layers or `@tensorflow/tfjs-core/dist/register_all_gradients`
 * registered it), so other backends (tensorflow, webgl, webgpu) keep exactly their stock behaviour. Were it
 * to run ungated it would still be correct on any backend: it uses only tfjs kernels with their documented
 * attributes.
 */
const GRADIENTS: readonly tf.GradConfig[] = [
  conv2dGradConfig,
  depthwiseConv2dGradConfig,
  fusedBatchNormGradConfig,
  meanGradConfig,
  batchNormTrainingGradConfig,
  reluGradConfig,
];

const swap = new KernelSwap('@kd/tfjs-kernels');
const STATE = Symbol.for('@kd/tfjs-kernels/state');

interface State {
  /** Backends whose kernels are in place; the gradient overrides are active on these. */
  readonly enabled: Set<string>;
}

/** Kept on `globalThis` (like tfjs's own registries) so that two copies of this package share it. */
function state(): State {
  const g = globalThis as unknown as Record<symbol, State | undefined>;
  return (g[STATE] ??= { enabled: new Set() });
}

function isSupported(backendName: string): backendName is TrainingKernelBackend {
  return (TRAINING_KERNEL_BACKENDS as readonly string[]).includes(backendName);
}

function gated(config: tf.GradConfig): tf.GradConfig {
  return {
    ...config,
    gradFunc: (dy, saved, attrs) => {
      const chosen = state().enabled.has(tf.getBackend()) ? config : (swap.replacedGradient(config.kernelName) ?? config);
      return chosen.gradFunc(dy, saved, attrs);
    },
  };
}

/**
 * Registers the training kernels and gradient overrides for `backendName` when it is `wasm` or `cpu`; a
 * no-op for any other backend. Idempotent: what is already in place is left alone, so a second call
 * registers and prints nothing. Nothing is printed in any case: a replaced kernel or gradient is
 * unregistered first, so tfjs never warns about overriding it.
 *
 * Call it after the backend package is imported (its kernels must be registered to be composed), e.g.
 * right after `await tf.setBackend(name)`. Registering tfjs-layers' gradients afterwards (a first import of
 * `@tensorflow/tfjs-layers`) replaces the two gradient overrides again, which only loses dilation > 1
 * gradients; calling this again reinstates them.
 */
export function registerTrainingKernels(backendName: string): TrainingKernelsResult {
  if (!isSupported(backendName)) return { registered: [] };
  const st = state();
  const registered: string[] = [];
  for (const entry of KERNELS) {
    if (!entry.backends.includes(backendName)) continue;
    swap.install(backendName, entry.kernelName, (previous) => entry.create(backendName, previous));
    registered.push(`kernel:${entry.kernelName}`);
  }
  st.enabled.add(backendName);
  for (const config of GRADIENTS) {
    swap.installGradient(config.kernelName, () => gated(config));
    registered.push(`gradient:${config.kernelName}`);
  }
  return { registered };
}

/**
 * Undoes {@link registerTrainingKernels} for one backend (all of them when omitted): restores the kernels
 * it replaced and, once no backend is left, the gradients. For benchmarks and tests.
 */
export function unregisterTrainingKernels(backendName?: string): { unregistered: string[] } {
  const st = state();
  const unregistered: string[] = [];
  const backends = backendName === undefined ? [...st.enabled] : [backendName];
  for (const name of backends) {
    for (const entry of KERNELS) if (swap.restore(name, entry.kernelName)) unregistered.push(`kernel:${entry.kernelName}`);
    st.enabled.delete(name);
  }
  if (st.enabled.size === 0) {
    for (const config of GRADIENTS) if (swap.restoreGradient(config.kernelName)) unregistered.push(`gradient:${config.kernelName}`);
  }
  return { unregistered };
}
