import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradients; the runtime (like @tensorflow/tfjs) imports them once.
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { Rng } from '@kd/core';
import { selectBackend } from '@kd/core/host';
import { ReviewFusion, type ReviewLevel } from './abf.js';
import { hclLoss } from './reviewkd.loss.js';

/** The allocator of tfjs's wasm module: every tensor's data is one `_malloc` on its heap. */
interface WasmHeap {
  _malloc(bytes: number): number;
  _free(pointer: number): void;
}

/**
 * Runs `body` while counting the wasm heap's bytes held by tensors, and returns the largest count above the count at the
 * start. Emscripten binds `_malloc`/`_free` to the module on their first call, replacing the properties, so one call
 * goes through first and the wrappers are installed after it.
 */
function peakHeapBytes(wasm: WasmHeap, body: () => void): number {
  wasm._free(wasm._malloc(8));
  const { _malloc: malloc, _free: free } = wasm;
  const sizes = new Map<number, number>();
  let held = 0;
  let peak = 0;
  // Offsets past 2 GiB come back from _malloc as negative numbers, and go to _free unsigned.
  wasm._malloc = (bytes) => {
    const p = malloc(bytes);
    sizes.set(p >>> 0, bytes);
    held += bytes;
    peak = Math.max(peak, held);
    return p;
  };
  wasm._free = (pointer) => {
    held -= sizes.get(pointer >>> 0) ?? 0;
    sizes.delete(pointer >>> 0);
    free(pointer);
  };
  try {
    body();
  } finally {
    wasm._malloc = malloc;
    wasm._free = free;
  }
  return peak;
}

/**
 * The structure of resnet8x4 → resnet32x4's review at a reduced size: student stages of 64, 128 and 256 channels at
 * S, S/2 and S/4 and the 256-wide pooled embedding, the teacher's pre-activations of the same shapes, 256 mid
 * channels (min(512, 256)); S = 16 and batch 8 instead of 32 and 64 (the CIFAR-100 recipe).
 */
const BATCH = 8;
const SIZE = 16;
const MID = 256;
const LEVELS: readonly ReviewLevel[] = [
  [64, SIZE],
  [128, SIZE / 2],
  [256, SIZE / 4],
  [256, 1],
].map(([c, s]) => ({ studentChannels: c!, studentSize: s!, teacherChannels: c!, teacherSize: s! }));

const mapBytes = (size: number, channels: number) => 4 * BATCH * size * size * channels;

/**
 * What one forward and backward pass of the review may hold at once, from the shapes alone. Per level (m: a map of
 * mid channels at the student's size; t: a teacher map; s: a student map):
 * - kept for the backward pass: BN1's x̂ and output, the resized residual (fusing levels), the fused map (4 m, 3 at the
 *   deepest level), and BN2's x̂ and output (2 t); with a teacher size other than the student's, the resized fused map;
 * - gradients, one per tensor on the tape, which tfjs keeps until the pass ends: conv1's output, BN1's output, the
 *   resized residual and the fused map (4 m, 3), conv2's and BN2's outputs (2 t), the resized fused map if any, and
 *   the student map (s);
 * and once: the gradients of every ABF parameter, and the largest working set of one backward node (3 m of the
 * shallowest level: the attention fusion forms two map-sized terms beside the gradient it returns).
 *
 * The op-by-op chain this replaced held more than 50 m at these shapes (over 3.7 GB at batch 64 and 32×32, past the
 * 4 GB wasm heap once fragmented).
 */
function reviewBound(fusion: ReviewFusion): number {
  const perLevel = LEVELS.map((l, i) => {
    const m = mapBytes(l.studentSize, MID);
    const mid = i < LEVELS.length - 1 ? 8 : 6;
    const resized = l.teacherSize !== l.studentSize ? 2 * mapBytes(l.teacherSize, MID) : 0;
    return mid * m + resized + 4 * mapBytes(l.teacherSize, l.teacherChannels) + mapBytes(l.studentSize, l.studentChannels);
  });
  const params = 4 * fusion.countParams();
  return perLevel.reduce((a, b) => a + b, 0) + params + 3 * mapBytes(LEVELS[0]!.studentSize, MID);
}

describe('ReviewKD on the wasm heap (resnet8x4 → resnet32x4 levels at 16×16, batch 8)', () => {
  let previous: string;
  beforeAll(async () => {
    previous = tf.getBackend();
    await selectBackend('wasm');
  });
  afterAll(async () => {
    if (previous && previous !== 'wasm') await tf.setBackend(previous);
  });

  it('one forward and backward pass holds no more than the tensors its gradients need', () => {
    const fusion = new ReviewFusion(LEVELS, MID, new Rng(1));
    const rng = new Rng(2);
    const random = (size: number, channels: number) => {
      const values = Float32Array.from({ length: BATCH * size * size * channels }, () => rng.next() * 2 - 1);
      return tf.tensor4d(values, [BATCH, size, size, channels]);
    };
    const students = LEVELS.map((l) => tf.variable(random(l.studentSize, l.studentChannels)));
    const teachers = LEVELS.map((l) => random(l.teacherSize, l.teacherChannels));
    const wasm = (tf.backend() as unknown as { wasm: WasmHeap }).wasm;
    const before = tf.memory().numTensors;
    let peak = 0;
    for (let pass = 0; pass < 2; pass++) {
      peak = peakHeapBytes(wasm, () => {
        const { value, grads } = tf.variableGrads(
          () => hclLoss(fusion.apply(students as unknown as tf.Tensor4D[]), teachers),
          [...students, ...fusion.trainableVariables()],
        );
        expect(Object.keys(grads)).toHaveLength(students.length + fusion.trainableVariables().length);
        tf.dispose([value, ...Object.values(grads)]);
      });
      expect(tf.memory().numTensors).toBe(before);
    }
    const bound = reviewBound(fusion);
    // The bound stays well under the op-by-op chain's 50 m; and the count saw the allocations (the parameters'
    // gradients alone are allocated during the pass), so a wrapper that caught nothing cannot pass.
    expect(bound).toBeLessThan(20 * mapBytes(SIZE, MID));
    expect(peak).toBeGreaterThan(4 * fusion.countParams());
    expect(peak).toBeLessThanOrEqual(bound);
    tf.dispose([...students, ...teachers]);
    fusion.dispose();
  });
});
