import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The native module built from native/*.cc (addon.cc lists what it exports). Offsets are byte offsets into `heap`. */
export interface OneDnnAddon {
  forward(heap: Uint8Array, geometry: Int32Array, x: number, filter: number, bias: number, y: number, activation: number): void;
  backwardData(heap: Uint8Array, geometry: Int32Array, dy: number, filter: number, dx: number): void;
  backwardWeights(heap: Uint8Array, geometry: Int32Array, x: number, dy: number, dw: number): void;
  /** out = full ∘ channel (or channel ∘ full when `channelIsLeft`), op 0 multiply, 1 add, 2 subtract. */
  channelBinary(
    heap: Uint8Array,
    op: number,
    full: number,
    channel: number,
    out: number,
    total: number,
    channels: number,
    channelIsLeft: number,
  ): void;
  /** out = a ∘ b for two tensors of one shape, op 0 multiply, 1 add, 2 subtract. */
  binary(heap: Uint8Array, op: number, a: number, b: number, out: number, n: number): void;
  /** out[i] = row indices[i] of x (rows × inner floats) for `count` int32 indices; throws for an index outside [0, rows). */
  gather(heap: Uint8Array, x: number, indices: number, out: number, count: number, inner: number, rows: number): void;
  /** For each of `batch` pairs, out = op(a)·op(b) row-major (m × k times k × n) on oneDNN's sgemm; transposed operands stored transposed. */
  matMul(
    heap: Uint8Array,
    a: number,
    b: number,
    out: number,
    batch: number,
    m: number,
    n: number,
    k: number,
    transposeA: number,
    transposeB: number,
  ): void;
  /** out[k] = Σ_rows x[row, k] / divisor: sum or mean over every axis but the last, the same bits with any thread count. */
  channelSum(heap: Uint8Array, x: number, out: number, total: number, channels: number, divisor: number): void;
  /** out = (x − mean) · scale / √(variance + ε) + offset per channel; -1 for an absent offset or scale. */
  batchNorm(
    heap: Uint8Array,
    x: number,
    mean: number,
    variance: number,
    offset: number,
    scale: number,
    epsilon: number,
    out: number,
    total: number,
    channels: number,
  ): void;
  /** Training-mode batch norm: the batch's mean and biased variance per channel, and the normalised output. -1: no scale/offset. */
  batchNormTraining(
    heap: Uint8Array,
    x: number,
    scale: number,
    offset: number,
    epsilon: number,
    y: number,
    mean: number,
    variance: number,
    total: number,
    channels: number,
  ): void;
  /** Its gradient through all three outputs (-1: no scale, dMean or dVariance). */
  batchNormTrainingGrad(
    heap: Uint8Array,
    dy: number,
    x: number,
    scale: number,
    mean: number,
    variance: number,
    dMean: number,
    dVariance: number,
    epsilon: number,
    dx: number,
    dScale: number,
    dOffset: number,
    total: number,
    channels: number,
  ): void;
  /** y = max(x, +0), NaN passed through. */
  relu(heap: Uint8Array, x: number, y: number, n: number): void;
  /** dx = dy · step(x), tfjs-core's bits. */
  reluGrad(heap: Uint8Array, dy: number, x: number, dx: number, n: number): void;
  /** One parameter's SGD update into vOut (and bufOut with momentum; buf -1 without), the op chain's rounding. */
  sgdUpdate(
    heap: Uint8Array,
    v: number,
    grad: number,
    buf: number,
    lr: number,
    momentum: number,
    weightDecay: number,
    nesterov: number,
    first: number,
    vOut: number,
    bufOut: number,
    n: number,
  ): void;
  /** `forward|backwardData|backwardWeights` names of the oneDNN implementations chosen for a geometry. */
  implementations(geometry: Int32Array): string;
  setThreads(n: number): void;
  /** JSON: `{ version, threads, isa }`. */
  info(): string;
}

export type AddonLoad = { readonly addon: OneDnnAddon; readonly path: string } | { readonly addon: null; readonly reason: string };

/** build/ next to src/ and dist/ alike. */
export const ADDON_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', 'build', 'kd_onednn.node');

let loaded: AddonLoad | undefined;

/**
 * Loads the addon once per process. `null` with the reason when it is switched off (`KD_ONEDNN=0`), was never built
 * (no compiler or no libdnnl-dev when the package was installed) or cannot load (libdnnl missing at run time).
 */
export function loadOneDnnAddon(): AddonLoad {
  if (loaded) return loaded;
  if (process.env.KD_ONEDNN === '0') return (loaded = { addon: null, reason: 'switched off (KD_ONEDNN=0)' });
  if (!existsSync(ADDON_PATH))
    return (loaded = {
      addon: null,
      reason: `not built (${ADDON_PATH} is missing: install g++ and libdnnl-dev, then run node scripts/build-native.mjs in @kd/tfjs-onednn)`,
    });
  // OpenMP's wait policy is left to the user (OMP_WAIT_POLICY, read when the library loads). libgomp's default — spin
  // briefly, then sleep — is the fastest here since @kd/backend-wasm gives the addon all the threads and XNNPACK one;
  // passive waiting, needed while XNNPACK had a pool of its own, costs a wake-up per parallel region.
  try {
    const addon = createRequire(import.meta.url)(ADDON_PATH) as OneDnnAddon;
    return (loaded = { addon, path: ADDON_PATH });
  } catch (e) {
    return (loaded = { addon: null, reason: `cannot load ${ADDON_PATH}: ${(e as Error).message}` });
  }
}
