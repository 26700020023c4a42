// What onnx-speed.ts (a zoo-sized resnet32x4) and onnx-throughput.ts (@kd/backbone-onnx's fixture CNN) measure:
// teacher forward throughput (logits read back) of an ONNX file in ONNX Runtime through @kd/backbone-onnx (worker
// hand-off and the NHWC → NCHW transpose included), against kd's own backbone of the same architecture on kd's
// backend, at the same batch size and thread count.
import type { Tensor4D } from '@tensorflow/tfjs-core';
import type { BackbonePlugin, Network } from '@kd/core';
import type { BackendChoice } from '@kd/core/host';
import { backendName } from './backend-name.js';

export interface ForwardComparison {
  /** kd's side: the backbone plugin (imported only when the comparison runs) and its options. */
  readonly loadPlugin: () => Promise<BackbonePlugin>;
  readonly options: Readonly<Record<string, unknown>>;
  /** The ONNX file, its input in NCHW layout, output `logits`. */
  readonly onnxFile: string;
  /** The ONNX output kd takes as the embedding ('' for none). */
  readonly embedding: string;
  /** [side, side, channels]. */
  readonly inputShape: readonly [number, number, number];
  readonly numClasses: number;
  readonly batch: number;
  readonly threads: number;
  /** Each side runs at least this long, and at least `minCalls` calls, after `warmup` untimed calls. */
  readonly seconds: number;
  readonly warmup: number;
  readonly minCalls: number;
}

export interface ForwardRates {
  readonly backend: BackendChoice;
  /** Images per second. */
  readonly kd: number;
  readonly onnx: number;
}

export async function compareForward(c: ForwardComparison): Promise<ForwardRates> {
  // kd's wasm backend reads its thread count from the environment when it starts: everything that may start it is
  // imported below, after this.
  process.env['KD_WASM_THREADS'] = String(c.threads);
  const tf = await import('@tensorflow/tfjs-core');
  const { selectBackend } = await import('@kd/core/host');
  const { onnxPlugin } = await import('@kd/backbone-onnx');
  const { backbone } = await import('./train-step.js');

  const backend = await selectBackend(backendName(process.env['KD_BACKEND'] ?? 'auto'));
  const [size, , channels] = c.inputShape;

  const measure = (forward: (x: Tensor4D) => ReturnType<Network['apply']>): number => {
    const x: Tensor4D = tf.randomNormal([c.batch, ...c.inputShape], 0, 1, 'float32', 1);
    const once = () => tf.tidy(() => forward(x).logits.dataSync());
    for (let i = 0; i < c.warmup; i++) once();
    let n = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0;
    while (elapsed < c.seconds || n < c.minCalls) {
      once();
      n++;
      elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    }
    x.dispose();
    return (n * c.batch) / elapsed;
  };

  const kd = await backbone(await c.loadPlugin(), c.options, { numClasses: c.numClasses, size, channels, seed: 0, scope: 'teacher' });
  const kdRate = measure((x) => kd.apply(x, { training: false }));
  kd.dispose();

  // The schema's defaults for the rest: an NCHW input (the first), NCHW features, output `logits`, the CPU provider.
  const onnx = await backbone(
    onnxPlugin,
    { embedding: c.embedding, threads: c.threads, maxFileBytes: 2 ** 31 - 1 },
    { numClasses: c.numClasses, size, channels, seed: 0, scope: 'teacher' },
  );
  await onnx.loadWeights?.(c.onnxFile, '/teacher/weights');
  const onnxRate = measure((x) => onnx.apply(x, { training: false }));
  onnx.dispose();
  return { backend, kd: kdRate, onnx: onnxRate };
}

/** The comparison's lines: `title`, then both rates with `digits` decimals and their ratio. */
export function printRates(title: string, { backend, kd, onnx }: ForwardRates, digits: number): void {
  console.log(title);
  console.log(`kd ${backend.name} backend (${backend.threads ?? '?'} thread(s); ${backend.reason}): ${kd.toFixed(digits)} img/s`);
  console.log(`ONNX Runtime (cpu) via @kd/backbone-onnx: ${onnx.toFixed(digits)} img/s`);
  console.log(`ratio ONNX / kd: ${(onnx / kd).toFixed(2)}`);
}
