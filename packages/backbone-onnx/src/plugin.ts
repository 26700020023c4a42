import { API_VERSION, definePlugin, registerPlugin, type BackbonePlugin } from '@kd/core';
import type { DependencyContainer } from 'tsyringe';
import { OnnxNetwork } from './onnx.network.js';
import { onnxOptionsSchema, type OnnxOptions } from './onnx.options.js';

export const onnxPlugin: BackbonePlugin<OnnxOptions> = definePlugin({
  manifest: {
    kind: 'backbone',
    name: 'onnx',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'ONNX teacher',
    description:
      'Any model exported to ONNX as a frozen teacher, run in ONNX Runtime (onnxruntime-node): its logits and named intermediate outputs as stage features.',
    optionsSchema: onnxOptionsSchema,
  },
  create: (options, context) => new OnnxNetwork(options, context),
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, onnxPlugin);
}
