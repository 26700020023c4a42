export {
  aektLoss,
  aektLossTerms,
  aektRatio,
  resolveAektLossOptions,
  AEKT_LOSS_DEFAULTS,
  AEKT_EXPLICIT_FORMS,
  type AektExplicitForm,
  type AektLossOptions,
  type AektLossResult,
} from './aekt.loss.js';
export {
  SerializationLayer,
  serializeLogits,
  SERIAL_ORDERS,
  SERIALIZATION_MODULE_NAME,
  type SerialOrder,
  type SerializationMatrix,
} from './serialization-layer.js';
export { aektOptionsSchema, type AektOptions } from './aekt.options.js';
export { createAektDistiller, AEKT_SERIALIZATION_FILE } from './aekt.distiller.js';
export { aektPlugin, register } from './plugin.js';
