export { DmlDistiller, DML_PEER_SCOPE, DML_METRICS, keepingRunningStats, top1 } from './dml.distiller.js';
export { dmlLossTerms, stopGradient } from './dml.loss.js';
export { DML_DEFAULTS, dmlOptionsSchema, type DmlOptions, type DmlUpdate } from './dml.options.js';
export { dmlPlugin, register, createDmlDistiller, validatePeerSpec } from './plugin.js';
