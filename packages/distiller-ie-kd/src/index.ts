export { IeKdDistiller, IE_KD_MODULES, IE_KD_STAGES, IE_KD_METRICS, type IeKdFactors } from './ie-kd.distiller.js';
export { inheritanceLoss, explorationLoss, kdTerm } from './ie-kd.loss.js';
export { ChannelSplitter, IE_KD_SPLIT_MODULE } from './channel-split.js';
export { ieKdOptionsSchema, type IeKdOptions, type ChannelSplit, type ExplorationLoss, type IeKdMode } from './ie-kd.options.js';
export { ieKdPlugin, register, createIeKdDistiller } from './plugin.js';
export { MutualIeKdDistiller, MUTUAL_PEER_SCOPE, MUTUAL_METRICS } from './mutual-ie-kd.distiller.js';
