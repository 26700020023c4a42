import * as tf from '@tensorflow/tfjs-core';
import { conv2dKernel, depthwiseConv2dKernel } from './kernels/conv2d.js';
import { conv2dBackpropFilterKernel, depthwiseConv2dBackpropFilterKernel } from './kernels/conv2d-backprop-filter.js';
import { conv2dBackpropInputKernel, depthwiseConv2dBackpropInputKernel } from './kernels/conv2d-backprop-input.js';
import type { Refusals } from './kernels/fallback.js';
import { fusedConv2dKernel, fusedDepthwiseConv2dKernel } from './kernels/fused-conv2d.js';
import { channelBinaryKernel } from './kernels/channel-binary.js';
import { fusedBatchNormKernel } from './kernels/fused-batch-norm.js';
import { channelSumKernel } from './kernels/channel-sum.js';
import { sgdUpdateKernel } from './kernels/sgd-update.js';
import { reluGradKernel, reluKernel } from './kernels/relu.js';
import { batchMatMulKernel } from './kernels/batch-mat-mul.js';
import { gatherKernel } from './kernels/gather.js';
import { BATCH_NORM_TRAINING, BATCH_NORM_TRAINING_GRAD, KernelSwap, RELU_GRAD, SGD_UPDATE } from '@kd/tfjs-kernels';
import { batchNormTrainingGradKernel, batchNormTrainingKernel } from './kernels/batch-norm-training.js';
import { loadOneDnnAddon, type OneDnnAddon } from './load-addon.js';
import { geometryOf } from './wasm-heap.js';

type Create = (addon: OneDnnAddon, previous: tf.KernelConfig | undefined, refused: Refusals) => tf.KernelConfig;

/** The wasm kernels that run in the addon (convolutions on oneDNN); each falls back to the kernel it replaced for what oneDNN does not take. */
const KERNELS: ReadonlyArray<{ readonly kernelName: string; readonly create: Create }> = [
  { kernelName: 'Conv2D', create: conv2dKernel },
  { kernelName: 'FusedConv2D', create: fusedConv2dKernel },
  { kernelName: 'Conv2DBackpropInput', create: conv2dBackpropInputKernel },
  { kernelName: 'Conv2DBackpropFilter', create: conv2dBackpropFilterKernel },
  // Depthwise (MobileNet, ShuffleNet): grouped convolutions with one input channel per group.
  { kernelName: 'DepthwiseConv2dNative', create: depthwiseConv2dKernel },
  { kernelName: 'FusedDepthwiseConv2D', create: fusedDepthwiseConv2dKernel },
  { kernelName: 'DepthwiseConv2dNativeBackpropInput', create: depthwiseConv2dBackpropInputKernel },
  { kernelName: 'DepthwiseConv2dNativeBackpropFilter', create: depthwiseConv2dBackpropFilterKernel },
  // Not oneDNN, the same addon: per-channel element-wise work that wasm runs as per-element index loops.
  { kernelName: 'Multiply', create: channelBinaryKernel('Multiply') },
  { kernelName: 'Add', create: channelBinaryKernel('Add') },
  { kernelName: 'Sub', create: channelBinaryKernel('Sub') },
  { kernelName: 'FusedBatchNorm', create: fusedBatchNormKernel },
  { kernelName: 'Sum', create: channelSumKernel('Sum') },
  { kernelName: 'Mean', create: channelSumKernel('Mean') },
  // @kd/tfjs-kernels' whole training-mode batch norm and its gradient, natively.
  { kernelName: BATCH_NORM_TRAINING, create: batchNormTrainingKernel },
  { kernelName: BATCH_NORM_TRAINING_GRAD, create: batchNormTrainingGradKernel },
  { kernelName: SGD_UPDATE, create: sgdUpdateKernel },
  { kernelName: 'Relu', create: reluKernel },
  { kernelName: RELU_GRAD, create: reluGradKernel },
  // Large matrix products on oneDNN's sgemm and large row gathers (CRD's scores against its memory bank).
  { kernelName: 'BatchMatMul', create: batchMatMulKernel },
  { kernelName: 'GatherV2', create: gatherKernel },
];

const swap = new KernelSwap('@kd/tfjs-onednn');
const STATE = Symbol.for('@kd/tfjs-onednn/state');

interface State {
  /** Geometries oneDNN refused, shared by every kernel's fallback. */
  readonly refused: Refusals;
}

function state(): State {
  const g = globalThis as unknown as Record<symbol, State | undefined>;
  return (g[STATE] ??= { refused: new Set() });
}

export type OneDnnResult =
  | { readonly enabled: true; readonly registered: string[]; readonly version: string; readonly threads: number }
  | { readonly enabled: false; readonly registered: []; readonly reason: string };

/**
 * Puts the wasm backend's convolutions (plain and depthwise: forward, fused forward, input and filter gradients) on
 * oneDNN, and its per-channel element-wise ops, batch norm and leading-axes sums on the addon, when the addon is
 * built and loads; otherwise changes nothing and says why. Call it after the wasm backend's own kernels and
 * `@kd/tfjs-kernels`' training kernels are registered: it wraps whatever is registered then, and hands it what
 * oneDNN does not run (NCHW, negative padding, non-float32, activations other than linear/relu/relu6).
 *
 * `threads`: oneDNN's OpenMP threads (default: the machine's cores). Results are deterministic for a fixed thread
 * count; the filter gradient's sums are split by thread, so they can differ in the last bits between thread counts.
 * Idempotent.
 */
export function registerOneDnnKernels(options: { threads?: number } = {}): OneDnnResult {
  const load = loadOneDnnAddon();
  if (load.addon === null) return { enabled: false, registered: [], reason: load.reason };
  const { addon } = load;
  if (options.threads !== undefined) {
    if (!Number.isInteger(options.threads) || options.threads < 1)
      throw new Error(`@kd/tfjs-onednn: threads: got ${JSON.stringify(options.threads)}; expected an integer >= 1`);
    addon.setThreads(options.threads);
  }
  const st = state();
  const registered: string[] = [];
  for (const { kernelName, create } of KERNELS) {
    swap.install('wasm', kernelName, (previous) => create(addon, previous, st.refused));
    registered.push(`kernel:${kernelName}`);
  }
  const info = JSON.parse(addon.info()) as { version: string; threads: number };
  return { enabled: true, registered, version: info.version, threads: info.threads };
}

/** Restores the kernels {@link registerOneDnnKernels} replaced. For tests and benchmarks. */
export function unregisterOneDnnKernels(): { unregistered: string[] } {
  const unregistered: string[] = [];
  for (const { kernelName } of KERNELS) if (swap.restore('wasm', kernelName)) unregistered.push(`kernel:${kernelName}`);
  return { unregistered };
}

/** Geometries oneDNN refused so far (`fwd:…`, `bwd_d:…`, `bwd_w:…`), which run on the replaced kernels instead. */
export function oneDnnRefusals(): string[] {
  return [...state().refused];
}

/** Which oneDNN implementations a convolution geometry gets (e.g. `brgconv:avx512_core`), or why there are none. */
export function oneDnnImplementations(info: tf.backend_util.Conv2DInfo, depthwise = false): string | undefined {
  const load = loadOneDnnAddon();
  if (load.addon === null) return undefined;
  const g = geometryOf(info, depthwise);
  return g && load.addon.implementations(g);
}
