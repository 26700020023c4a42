export { crdPlugin, register } from './plugin.js';
export { crdOptionsSchema, type CrdOptions } from './crd.options.js';
export { CrdDistiller } from './crd.distiller.js';
export { CrdModule, CRD_MODULE_NAME, type CrdGeometry, type CrdStepOptions } from './crd.module.js';
export { contrastScores, estimateNormalizer, nceLoss, l2Normalize, updatedMemory, NCE_EPSILON } from './crd.loss.js';
export { contrastIndices, otherClassContrastIndices, otherClassPositions } from './negatives.js';
