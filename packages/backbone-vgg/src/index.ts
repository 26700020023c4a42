export { vggPlugin, register } from './plugin.js';
export { VggNetwork } from './vgg.network.js';
export { vggOptionsSchema, VGG_VARIANTS, type VggOptions, type VggVariant } from './vgg.options.js';
