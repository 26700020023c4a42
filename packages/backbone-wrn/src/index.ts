export { wrnPlugin, register } from './plugin.js';
export { WrnNetwork } from './wrn.network.js';
export { wrnOptionsSchema, wrnGeometry, WRN_PRESETS, type WrnOptions, type WrnPreset } from './wrn.options.js';
