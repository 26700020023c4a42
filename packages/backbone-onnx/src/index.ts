export { onnxPlugin, register } from './plugin.js';
export { OnnxNetwork } from './onnx.network.js';
export { onnxOptionsSchema, type OnnxOptions } from './onnx.options.js';
