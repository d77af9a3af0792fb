/**
 * Reading a JetStream stream of audit events with an ordered consumer (the client's own: no durable
 * state is left on the server, and a message the consumer misses is re-requested by the client).
 *
 * Every item carries the message's stream sequence as `seq`, so a message removed from the stream
 * (deleted, or purged by someone other than the retention limits) shows up in
 * `Sentinel.ingestStream` as a `missing` gap, and the `verifierLogGapDetector` flags the decisions of
 * the verifiers around it. Stream sequences are only contiguous for the whole stream: with a
 * `subject` filter the items carry no `seq` and no gap can be seen.
 */
import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { ConfigurationError } from '../../errors.js';
import type { StreamItem } from '../sentinel.js';

export interface JetStreamEventsOptions {
  /** A connection you made and own (never closed here). Give this or `servers`. */
  readonly connection?: NatsConnection;
  /** Server URL(s) to connect to (needs `@nats-io/transport-node`); closed when reading ends. */
  readonly servers?: string | readonly string[];
  /** Stream name (default `TRUSTHANDOFF_EVENTS`, the sink's default). */
  readonly stream?: string;
  /** Only messages on this subject (wildcards allowed); the items then carry no `seq`. */
  readonly subject?: string;
  /** First stream sequence to read (default 1: from the oldest message kept). */
  readonly startSeq?: number;
  /**
   * Keep reading new messages as they arrive, until `signal` aborts (default false: stop at the
   * stream's last message as of the start).
   */
  readonly follow?: boolean;
  /** Stops a `follow` read (and a long catch-up) between messages. */
  readonly signal?: AbortSignal;
  /** Messages requested per pull (default 256). */
  readonly batchSize?: number;
  /** How long one pull waits for messages, ms (default and least 1000). */
  readonly pullWaitMs?: number;
}

const STREAM_NAME = /^[A-Za-z0-9_-]{1,255}$/;

/**
 * The stream's events, oldest first, as `{ seq, event }` (or bare events with a `subject` filter). A
 * message whose body is not JSON yields `{ seq, event: null }`, which Sentinel counts as malformed.
 */
export async function* jetStreamEvents(options: JetStreamEventsOptions): AsyncGenerator<StreamItem> {
  const stream = options.stream ?? 'TRUSTHANDOFF_EVENTS';
  if (!STREAM_NAME.test(stream)) throw new ConfigurationError('stream must be a JetStream stream name');
  if ((options.connection === undefined) === (options.servers === undefined))
    throw new ConfigurationError('jetStreamEvents needs exactly one of connection or servers');
  const startSeq = options.startSeq ?? 1;
  if (!Number.isSafeInteger(startSeq) || startSeq < 1)
    throw new ConfigurationError('startSeq must be a positive integer');
  const batchSize = options.batchSize ?? 256;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > 10_000)
    throw new ConfigurationError('batchSize must be an integer from 1 to 10000');
  const pullWaitMs = options.pullWaitMs ?? 1000;
  if (!Number.isSafeInteger(pullWaitMs) || pullWaitMs < 1000)
    throw new ConfigurationError("pullWaitMs must be an integer ≥ 1000 (the client's shortest pull)");

  const { jetstream, jetstreamManager } = await import('@nats-io/jetstream');
  let nc = options.connection;
  let own: NatsConnection | undefined;
  if (nc === undefined) {
    const { connect } = await import('@nats-io/transport-node');
    const servers = typeof options.servers === 'string' ? [options.servers] : [...options.servers!];
    own = await connect({ servers, name: 'trusthandoff-sentinel' });
    nc = own;
  }
  try {
    const info = await (await jetstreamManager(nc)).streams.info(stream);
    // Without `follow`, read up to what the stream held when we started.
    const lastSeq = info.state.last_seq;
    if (!options.follow && (info.state.messages === 0 || lastSeq < startSeq)) return;
    const consumer = await jetstream(nc).consumers.get(stream, {
      deliver_policy: 'by_start_sequence',
      opt_start_seq: startSeq,
      ...(options.subject === undefined ? {} : { filter_subjects: options.subject }),
    });
    const withSeq = options.subject === undefined;
    for (;;) {
      if (isAborted(options.signal)) return;
      const messages: ConsumerMessages = await consumer.fetch({
        max_messages: batchSize,
        expires: pullWaitMs,
      });
      let received = 0;
      let caughtUp = false;
      for await (const m of messages) {
        received++;
        yield itemOf(m, withSeq);
        if (!options.follow && (m.seq >= lastSeq || m.info.pending === 0)) {
          caughtUp = true;
          break;
        }
        if (isAborted(options.signal)) break;
      }
      if (caughtUp) {
        messages.stop();
        return;
      }
      // A filtered read may have nothing left to match before the stream's last message.
      if (received === 0 && !options.follow) return;
    }
  } finally {
    if (own !== undefined) await own.close();
  }
}

function itemOf(m: JsMsg, withSeq: boolean): StreamItem {
  let event: unknown;
  try {
    event = m.json<unknown>();
  } catch {
    event = null;
  }
  // A non-object body is passed on as it is: `ingestStream` counts it as malformed.
  return (withSeq ? { seq: m.seq, event } : event) as StreamItem;
}

// A function, not an inline check: the signal changes between the reads of one loop.
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
