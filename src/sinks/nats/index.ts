/**
 * `trusthandoff/sinks/nats`: events into a NATS JetStream stream, de-duplicated by `event_id`.
 * Needs the optional peer dependencies `@nats-io/jetstream` (and `@nats-io/transport-node` when the
 * sink connects by itself).
 */
export {
  NatsJetStreamSink,
  type NatsConnectionLike,
  type NatsJetStreamSinkOptions,
  type NatsJetStreamSinkStats,
} from './sink.js';
export type { RetryOptions, SinkStats } from '../queue.js';
