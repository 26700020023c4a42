export { DmlDistiller, DML_PEER_SCOPE, DML_METRICS, top1 } from './dml.distiller.js';
export { keepingRunningStats } from '@kd/core';
export { dmlLossTerms } from './dml.loss.js';
// Re-exported from core: the peer's prediction is a fixed target through the same stop-gradient every distiller uses.
export { stopGradient } from '@kd/core';
export { dmlOptionsSchema, type DmlOptions, type DmlUpdate } from './dml.options.js';
export { dmlPlugin, register, createDmlDistiller, validatePeerSpec } from './plugin.js';
