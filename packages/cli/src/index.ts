export { main, describeError } from './main.js';
export { createProgram } from './program.js';
export { processIo, type CliIo } from './io.js';
export { attachProgress } from './progress.js';
export type { CliOptions } from './runtime.js';
