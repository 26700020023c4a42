export { kdsvdPlugin, register } from './plugin.js';
export { kdsvdOptionsSchema, type KdsvdOptions } from './kdsvd.options.js';
export { KdsvdDistiller } from './kdsvd.distiller.js';
export {
  kdsvdLossTerms,
  featureMatrix,
  radialBasis,
  singularCount,
  vectorLength,
  type KdsvdLossInputs,
  type KdsvdLossOptions,
  type KdsvdLossResult,
  type VectorsOver,
} from './kdsvd.loss.js';
export { topRightSingularVectors, rightSingular, type RightSingular } from './singular-vectors.js';
export { symmetricEigen, type SymmetricEigen } from './symmetric-eigen.js';
