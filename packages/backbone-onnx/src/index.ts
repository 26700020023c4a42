export { onnxPlugin, register } from './plugin.js';
export { OnnxNetwork } from './onnx.network.js';
export { onnxOptionsSchema, type OnnxOptions } from './onnx.options.js';
export { inspectOnnxModel, type OnnxModelSummary } from './onnx-inspect.js';
export { resolveOnnxModel, ONNX_TEACHER_FILE, ONNX_TEACHER_FORMAT, type OnnxTeacherDescriptor } from './onnx-teacher-dir.js';
