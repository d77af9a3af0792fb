/**
 * `trusthandoff/sinks/worker`: run the audit sinks (JSONL, JetStream, Kafka, or your own) on a worker
 * thread, so the thread that decides only serializes each event. No dependency beyond Node; the
 * sinks' own optional peers load inside the worker.
 */
export { WorkerSink, type WorkerSinkOptions, type WorkerSinkStats } from './sink.js';
export type { NamedSinkStats, WorkerSinkSpec } from './protocol.js';
