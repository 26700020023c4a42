export { ofdPlugin, register } from './plugin.js';
export { ofdOptionsSchema, type OfdOptions } from './ofd.options.js';
export { OfdDistiller } from './ofd.distiller.js';
export { ofdLossTerms, ofdStageLoss, partialL2, type OfdLossInputs, type OfdLossResult } from './ofd.loss.js';
export { OfdConnectors, CONNECTOR_MODULE_NAME, type ConnectorVariables } from './connector.js';
export { channelMargin, margins, normalCdf } from './margin.js';
