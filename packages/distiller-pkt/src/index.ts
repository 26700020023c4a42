export { pktPlugin, register } from './plugin.js';
export { pktOptionsSchema, type PktOptions } from './pkt.options.js';
export { PktDistiller } from './pkt.distiller.js';
export {
  pktLoss,
  pktLossTerms,
  similarityProbabilities,
  unitRows,
  PKT_EPS,
  type PktLossInputs,
  type PktLossOptions,
  type PktLossResult,
} from './pkt.loss.js';
