export { jsonlPlugin, register } from './plugin.js';
export { JsonlTracker } from './jsonl.tracker.js';
export { LineAppender } from './append-file.js';
export { jsonlOptionsSchema, type JsonlOptions } from './jsonl.options.js';
export { trackerRecordSchema, CSV_COLUMNS, type TrackerRecord } from './tracker-record.js';
