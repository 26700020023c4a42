export { importPyTorchStateDict, importPyTorchTeacher, type ImportOptions, type ImportReport } from './import-state-dict.js';
export { readPyTorchStateDict, type PyTorchStateDict, type ReadOptions } from './checkpoint-reader.js';
export { zooFamily, SUPPORTED, type ZooFamily, type ModuleRef, type LayerMap } from './name-maps.js';
export { DEFAULT_LIMITS, type ImportLimits } from './limits.js';
export { TensorRef, StorageRef, type TorchDType } from './pickle-values.js';
