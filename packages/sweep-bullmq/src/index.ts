export { redisConnection, DEFAULT_QUEUE } from './connection.js';
export { jobData, type CellJobData, type CellJobProgress, type CellJobResult } from './job-data.js';
export { QueueExecutor, type QueueExecutorOptions, type CellJobState, type CellJobStatus, type Enqueued } from './queue-executor.js';
export { runWorker, type WorkerOptions, type RunningWorker } from './worker.js';
