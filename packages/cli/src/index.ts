export { main, USAGE } from './main.js';
export { processIo, type CliIo } from './io.js';
export { attachProgress } from './progress.js';
export type { CliOptions } from './runtime.js';
