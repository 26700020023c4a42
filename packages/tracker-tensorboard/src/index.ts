export { tensorboardPlugin, register } from './plugin.js';
export { TensorboardTracker } from './tensorboard.tracker.js';
export { EventFileWriter } from './event-file-writer.js';
export { crc32c, maskedCrc32c } from './crc32c.js';
export { fileVersionEvent, scalarEvent, tfRecord, type Scalar } from './tfevents.js';
export { tensorboardOptionsSchema, type TensorboardOptions } from './tensorboard.options.js';
export { readTfEvents, crc32cBitwise, type ReadEvent, type ReadValue } from './read-tfevents.js';
