/**
 * `trusthandoff/sentinel/jetstream`: read the audit events a `NatsJetStreamSink` stored, as the
 * `{ seq, event }` items `Sentinel.ingestStream` takes. Kept out of `trusthandoff/sentinel` so that
 * entry never loads the NATS client (`@nats-io/jetstream`, and `@nats-io/transport-node` when the
 * reader makes its own connection, are optional peer dependencies).
 */
export { jetStreamEvents, type JetStreamEventsOptions } from './reader.js';
