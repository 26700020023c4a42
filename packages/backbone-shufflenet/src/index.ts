export { shufflenetPlugin, register } from './plugin.js';
export { ShufflenetNetwork } from './shufflenet.network.js';
export { ChannelSlice, registerChannelSlice, type ChannelSliceArgs } from './channel-slice.layer.js';
export {
  shufflenetOptionsSchema,
  SHUFFLENET_VARIANTS,
  SHUFFLENET_STEM_CHANNELS,
  type ShufflenetOptions,
  type ShufflenetVariant,
} from './shufflenet.options.js';
