import type { MessagePort } from 'node:worker_threads';

/** What ONNX Runtime says about one input or output of a model. */
export interface OrtValueInfo {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type: string | undefined;
  /** Symbolic dimensions (a dynamic batch) are strings. */
  readonly shape: readonly (number | string)[] | undefined;
}

/** Fixed at start: the worker answers on `replies` and then sets `done[0]` to the request's sequence number. */
export interface OrtWorkerData {
  readonly ortPath: string;
  readonly replies: MessagePort;
  readonly done: Int32Array;
}

export interface OpenRequest {
  readonly type: 'open';
  readonly seq: number;
  readonly model: Uint8Array;
  readonly sessionOptions: {
    readonly executionProviders: readonly string[];
    readonly intraOpNumThreads?: number;
    readonly interOpNumThreads: number;
  };
}

export interface RunRequest {
  readonly type: 'run';
  readonly seq: number;
  readonly input: { readonly name: string; readonly buffer: SharedArrayBuffer; readonly dims: readonly number[] };
  /** An output without a buffer is returned in the reply (`data`). */
  readonly outputs: readonly { readonly name: string; readonly buffer: SharedArrayBuffer | undefined }[];
}

export interface CloseRequest {
  readonly type: 'close';
  readonly seq: number;
}

export type OrtRequest = OpenRequest | RunRequest | CloseRequest;

export type OrtReply =
  | {
      readonly ok: true;
      readonly inputs?: readonly OrtValueInfo[];
      readonly outputs?: readonly OrtValueInfo[];
      readonly dims?: Readonly<Record<string, readonly number[]>>;
      readonly data?: Readonly<Record<string, Float32Array>>;
    }
  | { readonly ok: false; readonly error: string };

/**
 * The worker thread's program. It is started from its source text (`Worker(…, { eval: true })`) so that the same code
 * runs from the TypeScript sources under vitest and from `dist/`: it must therefore reference nothing outside its own
 * body, and it loads onnxruntime-node from the path the main thread resolved.
 */
export function ortWorkerMain(): void {
  /* eslint-disable @typescript-eslint/no-require-imports -- an eval'd worker body has no module scope to import in */
  const { parentPort, workerData } = require('node:worker_threads') as typeof import('node:worker_threads');
  const { ortPath, replies, done } = workerData as OrtWorkerData;
  const ort = require(ortPath) as typeof import('onnxruntime-node');
  /* eslint-enable @typescript-eslint/no-require-imports */
  let session: import('onnxruntime-node').InferenceSession | undefined;

  const describe = (m: import('onnxruntime-node').InferenceSession.ValueMetadata): OrtValueInfo => ({
    name: m.name,
    isTensor: m.isTensor,
    type: m.isTensor ? m.type : undefined,
    shape: m.isTensor ? [...m.shape] : undefined,
  });

  const handle = async (request: OrtRequest): Promise<OrtReply> => {
    if (request.type === 'open') {
      session = await ort.InferenceSession.create(request.model, {
        ...request.sessionOptions,
        executionProviders: [...request.sessionOptions.executionProviders],
      });
      return { ok: true, inputs: session.inputMetadata.map(describe), outputs: session.outputMetadata.map(describe) };
    }
    if (request.type === 'close') {
      await session?.release();
      session = undefined;
      return { ok: true };
    }
    if (!session) return { ok: false, error: 'no model is open' };
    const { input } = request;
    const count = input.dims.reduce((a, b) => a * b, 1);
    // ORT's binding refuses views of shared memory: the input is copied out once.
    const feed = new ort.Tensor('float32', new Float32Array(input.buffer, 0, count).slice(), [...input.dims]);
    const result = await session.run(
      { [input.name]: feed },
      request.outputs.map((o) => o.name),
    );
    const dims: Record<string, readonly number[]> = {};
    const data: Record<string, Float32Array> = {};
    try {
      for (const o of request.outputs) {
        const t = result[o.name]!;
        if (t.type !== 'float32') return { ok: false, error: `output "${o.name}" is ${t.type}, not float32` };
        const values = t.data as Float32Array;
        dims[o.name] = [...t.dims];
        if (!o.buffer) {
          data[o.name] = values.slice();
          continue;
        }
        if (values.length * 4 > o.buffer.byteLength)
          return {
            ok: false,
            error: `output "${o.name}" has shape [${t.dims.join(', ')}], more than the ${o.buffer.byteLength / 4} values expected`,
          };
        new Float32Array(o.buffer, 0, values.length).set(values);
      }
    } finally {
      for (const t of Object.values(result)) t.dispose();
      feed.dispose();
    }
    return { ok: true, dims, data };
  };

  parentPort!.on('message', (request: OrtRequest) => {
    void handle(request)
      .catch((e: unknown): OrtReply => ({ ok: false, error: e instanceof Error ? e.message : String(e) }))
      .then((reply) => {
        // The reply is queued before the flag flips: the main thread reads it as soon as it wakes.
        replies.postMessage(reply);
        Atomics.store(done, 0, request.seq);
        Atomics.notify(done, 0);
      });
  });
}
