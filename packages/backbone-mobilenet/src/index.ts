export { mobilenetPlugin, register } from './plugin.js';
export { MobilenetNetwork } from './mobilenet.network.js';
export {
  mobilenetOptionsSchema,
  MOBILENET_VARIANTS,
  MOBILENET_BLOCK_SETTING,
  MOBILENETV1_BLOCK_SETTING,
  MOBILENETV1_VARIANTS,
  MOBILENETV2_VARIANTS,
  type MobilenetOptions,
  type MobilenetVariant,
} from './mobilenet.options.js';
