import * as tf from '@tensorflow/tfjs-core';

type Info = tf.TensorInfo;
type Pairs = Array<[number, number]>;

/**
 * Runs other kernels of the same backend from inside a kernel, the way tfjs backends compose their own
 * kernels: straight through `kernelFunc` on `TensorInfo`s (no engine, no tape, no tensor tracking).
 *
 * Every result is an intermediate owned by the runner; {@link KernelRunner.finish} disposes all of them
 * except the one returned by the kernel, so a composite kernel leaves the backend's `numDataIds()` exactly
 * one higher than before, like a native kernel.
 */
export class KernelRunner {
  private readonly temps: Info[] = [];

  constructor(
    private readonly backend: tf.KernelBackend,
    private readonly backendName: string,
  ) {}

  run(kernelName: string, inputs: Record<string, Info>, attrs: Record<string, unknown>): Info {
    const config = tf.getKernel(kernelName, this.backendName);
    if (config === undefined)
      throw new Error(`@kd/tfjs-kernels: kernel '${kernelName}' is not registered for backend '${this.backendName}'`);
    const out = config.kernelFunc({ inputs, attrs: attrs as tf.NamedAttrMap, backend: this.backend });
    const outs = Array.isArray(out) ? out : [out];
    this.temps.push(...outs);
    return outs[0] as Info;
  }

  transpose(x: Info, perm: number[]): Info {
    return this.run('Transpose', { x }, { perm });
  }

  reshape(x: Info, shape: number[]): Info {
    return this.run('Reshape', { x }, { shape });
  }

  slice(x: Info, begin: number[], size: number[]): Info {
    return this.run('Slice', { x }, { begin, size });
  }

  pad(x: Info, paddings: Pairs): Info {
    return this.run('PadV2', { x }, { paddings, constantValue: 0 });
  }

  sum(x: Info, axis: number): Info {
    return this.run('Sum', { x }, { axis: [axis], keepDims: false });
  }

  reverse(x: Info, dims: number[]): Info {
    return this.run('Reverse', { x }, { dims });
  }

  zeros(shape: number[]): Info {
    return this.run('Fill', {}, { shape, value: 0, dtype: 'float32' });
  }

  /** NHWC convolution with explicit padding `[[top, bottom], [left, right]]`. */
  conv2d(x: Info, filter: Info, strides: [number, number], dilations: [number, number], pad: Pairs): Info {
    return this.run(
      'Conv2D',
      { x, filter },
      { strides, dilations, pad: [[0, 0], ...pad, [0, 0]], dataFormat: 'NHWC', dimRoundingMode: undefined },
    );
  }

  /** NHWC depthwise convolution with explicit padding `[[top, bottom], [left, right]]`. */
  depthwiseConv2d(x: Info, filter: Info, strides: [number, number], dilations: [number, number], pad: Pairs): Info {
    return this.run(
      'DepthwiseConv2dNative',
      { x, filter },
      { strides, dilations, pad: [[0, 0], ...pad, [0, 0]], dataFormat: 'NHWC', dimRoundingMode: undefined },
    );
  }

  /**
   * Zero-inserts `s - 1` rows (columns) after every row (column) of an NHWC tensor: `[N, H, W, C]` becomes
   * `[N, H·sh, W·sw, C]` with the data at multiples of the stride. Identity when both strides are 1.
   */
  upsampleWithZeros(x: Info, [sh, sw]: [number, number]): Info {
    if (sh === 1 && sw === 1) return x;
    const [n, h, w, c] = x.shape as [number, number, number, number];
    const six = this.reshape(x, [n, h, 1, w, 1, c]);
    const padded = this.pad(six, [
      [0, 0],
      [0, 0],
      [0, sh - 1],
      [0, 0],
      [0, sw - 1],
      [0, 0],
    ]);
    return this.reshape(padded, [n, h * sh, w * sw, c]);
  }

  /**
   * Disposes every intermediate except `result`, which becomes the kernel's output. A `result` that is not
   * an intermediate (an input) is first given its own reference through a reshape, so the engine never
   * receives a data id it does not own.
   */
  finish(result: Info): Info {
    const own = this.temps.includes(result) ? result : this.reshape(result, [...result.shape]);
    this.release(own);
    return own;
  }

  /** Disposes every intermediate except `keep` (all of them when `keep` is undefined). */
  release(keep?: Info): void {
    for (const t of this.temps.splice(0)) if (t !== keep) this.backend.disposeData(t.dataId);
  }
}

/**
 * Wraps a composite kernel body so that intermediates are released even when the body throws.
 */
export function compositeKernel(
  backendName: string,
  body: (run: KernelRunner, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap) => Info,
): tf.KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const runner = new KernelRunner(backend as tf.KernelBackend, backendName);
    try {
      return runner.finish(body(runner, inputs, attrs ?? {}));
    } catch (e) {
      runner.release();
      throw e;
    }
  };
}
