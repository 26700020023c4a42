export { resnetPlugin, register } from './plugin.js';
export { ResnetNetwork } from './resnet.network.js';
export { resnetOptionsSchema, RESNET_VARIANTS, type ResnetOptions, type ResnetVariant } from './resnet.options.js';
