import { createRequire } from 'node:module';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { ortWorkerMain, type OpenRequest, type OrtReply, type OrtRequest, type OrtValueInfo, type OrtWorkerData } from './ort.worker.js';

export interface OrtModelInfo {
  readonly inputs: readonly OrtValueInfo[];
  readonly outputs: readonly OrtValueInfo[];
}

/** An ONNX Runtime failure: the message ORT gave, for the caller to put in context. */
export class OrtError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OrtError';
  }
}

/**
 * ONNX Runtime behind a synchronous interface. ORT's `session.run` is asynchronous, while kd's `Network.apply` runs
 * inside a synchronous training step (`tf.tidy`): the session lives in a worker thread, and each call posts a request
 * and blocks this thread with `Atomics.wait` until the worker has written the answer. Tensors cross in shared buffers
 * (one copy each way), which grow when a larger batch arrives.
 */
export class OrtBridge {
  private readonly worker: Worker;
  private readonly replies: MessagePort;
  private readonly done = new Int32Array(new SharedArrayBuffer(4));
  private readonly buffers = new Map<string, SharedArrayBuffer>();
  private seq = 0;
  private broken: string | undefined;

  constructor(private readonly timeoutMs: number) {
    const ortPath = createRequire(import.meta.url).resolve('onnxruntime-node');
    const { port1, port2 } = new MessageChannel();
    const workerData: OrtWorkerData = { ortPath, replies: port2, done: this.done };
    this.worker = new Worker(`(${ortWorkerMain.toString()})()`, { eval: true, workerData, transferList: [port2] });
    // A teacher somebody forgot to dispose must not keep the process alive.
    this.worker.unref();
    this.replies = port1;
  }

  open(model: Uint8Array, sessionOptions: OpenRequest['sessionOptions']): OrtModelInfo {
    const reply = this.call({ type: 'open', seq: 0, model, sessionOptions }, [model.buffer as ArrayBuffer]);
    return { inputs: reply.inputs ?? [], outputs: reply.outputs ?? [] };
  }

  /**
   * Runs the model on `input` (already in the model's layout) and returns a copy of each named output with its
   * dimensions. `capacity` is each output's expected number of values, which sizes its shared buffer; an output
   * without one (its size not yet known) comes back in the reply message instead.
   */
  run(
    inputName: string,
    input: Float32Array,
    dims: readonly number[],
    outputs: readonly { readonly name: string; readonly capacity: number | undefined }[],
  ): Record<string, { readonly data: Float32Array; readonly dims: readonly number[] }> {
    const inputBuffer = this.buffer('\0input', input.length);
    new Float32Array(inputBuffer, 0, input.length).set(input);
    const out = outputs.map((o) => ({ name: o.name, buffer: o.capacity === undefined ? undefined : this.buffer(o.name, o.capacity) }));
    const reply = this.call({ type: 'run', seq: 0, input: { name: inputName, buffer: inputBuffer, dims }, outputs: out });
    const result: Record<string, { data: Float32Array; dims: readonly number[] }> = {};
    for (const o of out) {
      const d = reply.dims![o.name]!;
      const n = d.reduce((a, b) => a * b, 1);
      // The shared buffer is overwritten by the next call: the tensor gets its own copy.
      result[o.name] = { data: o.buffer ? new Float32Array(o.buffer, 0, n).slice() : reply.data![o.name]!, dims: d };
    }
    return result;
  }

  dispose(): void {
    if (!this.broken) {
      try {
        this.call({ type: 'close', seq: 0 });
      } catch {
        // Terminating the worker below frees the session anyway.
      }
    }
    this.broken ??= 'disposed';
    void this.worker.terminate();
    this.replies.close();
  }

  private buffer(key: string, values: number): SharedArrayBuffer {
    const have = this.buffers.get(key);
    if (have && have.byteLength >= values * 4) return have;
    // Doubling keeps a slowly growing batch size from reallocating on every call.
    const grown = new SharedArrayBuffer(Math.max(values * 4, (have?.byteLength ?? 0) * 2, 4));
    this.buffers.set(key, grown);
    return grown;
  }

  private call(request: OrtRequest, transfer: ArrayBuffer[] = []): Extract<OrtReply, { ok: true }> {
    if (this.broken) throw new OrtError(`the ONNX Runtime worker is no longer usable (${this.broken})`);
    const seq = (this.seq = (this.seq + 1) | 0);
    this.worker.postMessage({ ...request, seq }, transfer);
    const deadline = Date.now() + this.timeoutMs;
    while (Atomics.load(this.done, 0) !== seq) {
      const left = deadline - Date.now();
      if (left <= 0) {
        this.broken = `no answer within ${this.timeoutMs / 1000} s`;
        void this.worker.terminate();
        throw new OrtError(`ONNX Runtime gave no answer within ${this.timeoutMs / 1000} s (option timeoutSeconds); its worker was stopped`);
      }
      Atomics.wait(this.done, 0, (seq - 1) | 0, left);
    }
    const reply = receiveMessageOnPort(this.replies)?.message as OrtReply | undefined;
    if (!reply) throw new OrtError('the ONNX Runtime worker answered without a reply');
    if (!reply.ok) throw new OrtError(reply.error);
    return reply;
  }
}
