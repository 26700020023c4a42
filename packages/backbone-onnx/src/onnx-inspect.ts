import { readFileSync } from 'node:fs';
import { KdInputError } from '@kd/core';
import { OrtBridge, OrtError } from './ort-bridge.js';
import type { OrtValueInfo } from './ort.worker.js';

export interface OnnxModelSummary {
  readonly inputs: readonly OrtValueInfo[];
  readonly outputs: readonly OrtValueInfo[];
  /** The image input's height, width and channels, read from its dimensions in `layout`; undefined where symbolic. */
  readonly inputShape: readonly [number, number, number] | undefined;
  /** The logits output's second dimension; undefined where the model leaves it symbolic. */
  readonly numClasses: number | undefined;
}

/**
 * What a model declares about itself, read by ONNX Runtime before kd builds a teacher from it: `kd import onnx` takes
 * the image size and the number of classes from here unless told, then checks the model as a run would
 * (`OnnxNetwork.loadWeights`).
 */
export function inspectOnnxModel(
  file: string,
  options: { readonly layout: 'NCHW' | 'NHWC'; readonly input: string; readonly logits: string },
  where: string,
): OnnxModelSummary {
  const bridge = new OrtBridge(600_000);
  try {
    let info;
    try {
      info = bridge.open(new Uint8Array(readFileSync(file)), { executionProviders: ['cpu'], interOpNumThreads: 1 });
    } catch (e) {
      if (e instanceof OrtError)
        throw new KdInputError(`${where} could not be opened by ONNX Runtime: ${e.message.replace(/\x1b\[[0-9;]*m/g, '').trim()}`);
      throw e;
    }
    const input = options.input ? info.inputs.find((i) => i.name === options.input) : info.inputs.length === 1 ? info.inputs[0] : undefined;
    const dims = input?.shape ?? [];
    const fixed = (d: number | string | undefined): number | undefined => (typeof d === 'number' && d > 0 ? d : undefined);
    const [c, h, w] = options.layout === 'NCHW' ? [dims[1], dims[2], dims[3]].map(fixed) : [dims[3], dims[1], dims[2]].map(fixed);
    const inputShape = dims.length === 4 && h && w && c ? ([h, w, c] as const) : undefined;
    const logits = info.outputs.find((o) => o.name === options.logits);
    if (!logits)
      throw new KdInputError(
        `${where}: the model has no output "${options.logits}" (the logits); its outputs are ${info.outputs.map((o) => `"${o.name}"`).join(', ')}`,
      );
    return { inputs: info.inputs, outputs: info.outputs, inputShape, numClasses: fixed(logits?.shape?.[1]) };
  } finally {
    bridge.dispose();
  }
}
