/**
 * `trusthandoff/sinks/jsonl`: the hash-chained, rotating JSONL file sink and its verifier. No
 * dependency beyond Node.
 */
export {
  JsonlFileSink,
  listJsonlLogFiles,
  type JsonlFile,
  type JsonlFileSinkOptions,
  type JsonlFileSinkStats,
} from './sink.js';
export {
  verifyJsonlLog,
  type JsonlLogCheckpoint,
  type JsonlLogFailure,
  type JsonlLogFailureDetails,
  type JsonlLogSummary,
  type JsonlLogVerdict,
  type VerifyJsonlLogOptions,
} from './verify.js';
export { CHECKPOINT_DOMAIN, GENESIS_HASH, checkpointMessage, hashLine } from './chain.js';
export type { RetryOptions, SinkStats } from '../queue.js';
