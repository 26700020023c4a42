export { cnnPlugin, register } from './plugin.js';
export { CnnNetwork } from './cnn.network.js';
export { cnnOptionsSchema, type CnnOptions } from './cnn.options.js';
